import { createHash, generateKeyPairSync } from 'node:crypto';
import { ManualClock } from '../common/clock';
import {
  canonicalResponseString,
  canonicalString,
  generateServerKey,
  isFresh,
  loadPrivateKey,
  newNonce,
  parseSignatureHeaders,
  publicKeyFromRaw,
  rawPublicKey,
  SignedRequest,
  SignedResponse,
  signRequest,
  signResponse,
  SIGNATURE_WINDOW_MS,
  verifyRequest,
  verifyResponse,
} from './signature';

const request = (over: Partial<SignedRequest> = {}): SignedRequest => ({
  method: 'POST',
  path: '/federation/v1/messages',
  origin: 'a.example',
  destination: 'b.example',
  timestamp: 1763800000000,
  nonce: 'abcdefghijklmnopqrstuvwx',
  body: Buffer.from('{"x":1}'),
  ...over,
});

describe('federation request signatures', () => {
  const privateKey = loadPrivateKey(generateServerKey());
  const publicKey = publicKeyFromRaw(rawPublicKey(privateKey))!;

  it('signs exactly the documented canonical string', () => {
    expect(canonicalString(request())).toBe(
      [
        'parley-federation-v1',
        'POST',
        '/federation/v1/messages',
        'a.example',
        'b.example',
        '1763800000000',
        'abcdefghijklmnopqrstuvwx',
        createHash('sha256').update('{"x":1}').digest('hex'),
      ].join('\n'),
    );
  });

  it('verifies its own signature from the published 32-byte key', () => {
    const headers = signRequest(privateKey, request());
    expect(verifyRequest(publicKey, request(), headers['x-parley-signature'])).toBe(true);
  });

  it.each([
    ['another method', { method: 'PUT' }],
    ['another path', { path: '/federation/v1/keys/claim' }],
    ['another origin', { origin: 'c.example' }],
    ['another destination', { destination: 'c.example' }],
    ['another timestamp', { timestamp: 1763800000001 }],
    ['another nonce', { nonce: 'bbcdefghijklmnopqrstuvwx' }],
    ['another body', { body: Buffer.from('{"x":2}') }],
  ])('fails when the request has %s', (_name, change) => {
    const { 'x-parley-signature': signature } = signRequest(privateKey, request());
    expect(verifyRequest(publicKey, request(change), signature)).toBe(false);
  });

  it('fails with another key and with garbage', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const { 'x-parley-signature': signature } = signRequest(other, request());
    expect(verifyRequest(publicKey, request(), signature)).toBe(false);
    expect(verifyRequest(publicKey, request(), 'not base64 at all')).toBe(false);
  });

  it.each([
    ['no headers', {}, 'unsigned request'],
    [
      'no signature',
      { 'x-parley-origin': 'a', 'x-parley-destination': 'b', 'x-parley-timestamp': '1', 'x-parley-nonce': newNonce() },
      'unsigned request',
    ],
    [
      'a non-numeric timestamp',
      {
        'x-parley-origin': 'a',
        'x-parley-destination': 'b',
        'x-parley-timestamp': 'soon',
        'x-parley-nonce': newNonce(),
        'x-parley-signature': 's',
      },
      'malformed timestamp',
    ],
    [
      'a short nonce',
      {
        'x-parley-origin': 'a',
        'x-parley-destination': 'b',
        'x-parley-timestamp': '1',
        'x-parley-nonce': 'abc',
        'x-parley-signature': 's',
      },
      'malformed nonce',
    ],
  ])('refuses headers with %s', (_name, headers, reason) => {
    expect(parseSignatureHeaders(headers)).toEqual({ ok: false, reason });
  });

  it('parses what signRequest writes', () => {
    const headers = signRequest(privateKey, request());
    expect(parseSignatureHeaders(headers)).toMatchObject({
      ok: true,
      origin: 'a.example',
      destination: 'b.example',
      timestamp: 1763800000000,
    });
  });

  it('is fresh for five minutes either side of now', () => {
    const clock = new ManualClock(1763800000000);
    const signedAt = clock.now();
    clock.advance(SIGNATURE_WINDOW_MS);
    expect(isFresh(signedAt, clock.now())).toBe(true);
    clock.advance(1);
    expect(isFresh(signedAt, clock.now())).toBe(false);
    expect(isFresh(signedAt + 2 * SIGNATURE_WINDOW_MS + 2, signedAt)).toBe(false);
  });

  it('loads PEM and DER keys and refuses non-Ed25519 ones', () => {
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(rawPublicKey(loadPrivateKey(pem))).toBe(rawPublicKey(privateKey));
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => loadPrivateKey(ec)).toThrow('Ed25519');
    expect(publicKeyFromRaw(Buffer.alloc(31).toString('base64'))).toBeNull();
  });
});

const response = (over: Partial<SignedResponse> = {}): SignedResponse => ({
  responder: 'b.example',
  requester: 'a.example',
  nonce: 'abcdefghijklmnopqrstuvwx',
  status: 200,
  body: Buffer.from('{"devices":[]}'),
  ...over,
});

describe('federation response signatures', () => {
  const privateKey = loadPrivateKey(generateServerKey());
  const publicKey = publicKeyFromRaw(rawPublicKey(privateKey))!;

  it('signs exactly the documented canonical string, whose first line is not the request form’s', () => {
    expect(canonicalResponseString(response())).toBe(
      [
        'parley-federation-response-v1',
        'b.example',
        'a.example',
        'abcdefghijklmnopqrstuvwx',
        '200',
        createHash('sha256').update('{"devices":[]}').digest('hex'),
      ].join('\n'),
    );
    expect(canonicalString(request()).split('\n')[0]).not.toBe(canonicalResponseString(response()).split('\n')[0]);
  });

  it('verifies its own signature from the published 32-byte key', () => {
    expect(verifyResponse(publicKey, response(), signResponse(privateKey, response()))).toBe(true);
  });

  it.each([
    ['another responder', { responder: 'c.example' }],
    ['another requester', { requester: 'c.example' }],
    ['another request’s nonce (a replayed answer)', { nonce: 'bbcdefghijklmnopqrstuvwx' }],
    ['another status', { status: 404 }],
    ['another body', { body: Buffer.from('{"devices":[1]}') }],
  ])('fails when the answer has %s', (_name, change) => {
    expect(verifyResponse(publicKey, response(change), signResponse(privateKey, response()))).toBe(false);
  });

  it('fails with another key, with garbage, and for a request signature', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(verifyResponse(publicKey, response(), signResponse(other, response()))).toBe(false);
    expect(verifyResponse(publicKey, response(), 'not base64 at all')).toBe(false);
    const { 'x-parley-signature': requestSignature } = signRequest(privateKey, request());
    expect(verifyResponse(publicKey, response(), requestSignature)).toBe(false);
  });
});
