import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes, sign, verify } from 'node:crypto';

/**
 * Server-to-server request and response signatures (docs/FEDERATION.md,
 * "Request signatures", "Response signatures"). Pure functions: the guard,
 * the response signer, the client and the tests share them, so signer and
 * verifier cannot drift apart.
 */

export const SIGNATURE_VERSION = 'parley-federation-v1';
/** The first line of a signed response: never the request form's, so neither can be passed off as the other. */
export const RESPONSE_SIGNATURE_VERSION = 'parley-federation-response-v1';

/** A request is fresh while |now - timestamp| is at most this (API.md section 5: "too old"). */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

export const FederationHeader = {
  origin: 'x-parley-origin',
  destination: 'x-parley-destination',
  timestamp: 'x-parley-timestamp',
  nonce: 'x-parley-nonce',
  signature: 'x-parley-signature',
  /** On an answer to a signed request: the responder's signature over canonicalResponseString. */
  responseSignature: 'x-parley-response-signature',
} as const;

const NONCE = /^[A-Za-z0-9_-]{16,128}$/;

/** Lower-case hex SHA-256 of the exact body bytes (of the empty string when there is none). */
const bodyDigest = (body: Buffer) => createHash('sha256').update(body).digest('hex');

const signText = (privateKey: KeyObject, text: string) => sign(null, Buffer.from(text), privateKey).toString('base64');

function verifyText(publicKey: KeyObject, text: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(text), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** What a signature covers. `path` is the request target as sent (path and query). */
export interface SignedRequest {
  method: string;
  path: string;
  origin: string;
  destination: string;
  timestamp: number;
  nonce: string;
  body: Buffer;
}

/**
 * The exact bytes that are signed: these lines joined by "\n", UTF-8, no
 * trailing newline. The body digest is lower-case hex SHA-256 of the raw
 * body bytes (of the empty string for a request without body).
 */
export function canonicalString(request: SignedRequest): string {
  return [
    SIGNATURE_VERSION,
    request.method.toUpperCase(),
    request.path,
    request.origin,
    request.destination,
    String(request.timestamp),
    request.nonce,
    bodyDigest(request.body),
  ].join('\n');
}

/** What a response signature covers: who answers whom, to which request, with what status and bytes. */
export interface SignedResponse {
  /** The answering server's domain (the request's destination). */
  responder: string;
  /** The asking server's domain (the request's origin). */
  requester: string;
  /** The nonce of the request this answers: an answer cannot be replayed to another request. */
  nonce: string;
  status: number;
  body: Buffer;
}

/** The exact bytes a response signature covers, built like canonicalString: lines joined by "\n", UTF-8, no trailing newline. */
export function canonicalResponseString(response: SignedResponse): string {
  return [
    RESPONSE_SIGNATURE_VERSION,
    response.responder,
    response.requester,
    response.nonce,
    String(response.status),
    bodyDigest(response.body),
  ].join('\n');
}

/** A fresh nonce: 18 random bytes, base64url (24 characters). */
export const newNonce = () => randomBytes(18).toString('base64url');

/** The headers of a signed request. */
export function signRequest(privateKey: KeyObject, request: SignedRequest): Record<string, string> {
  const signature = signText(privateKey, canonicalString(request));
  return {
    [FederationHeader.origin]: request.origin,
    [FederationHeader.destination]: request.destination,
    [FederationHeader.timestamp]: String(request.timestamp),
    [FederationHeader.nonce]: request.nonce,
    [FederationHeader.signature]: signature,
  };
}

export const verifyRequest = (publicKey: KeyObject, request: SignedRequest, signature: string): boolean =>
  verifyText(publicKey, canonicalString(request), signature);

/** The value of X-Parley-Response-Signature for an answer. */
export const signResponse = (privateKey: KeyObject, response: SignedResponse): string =>
  signText(privateKey, canonicalResponseString(response));

export const verifyResponse = (publicKey: KeyObject, response: SignedResponse, signature: string): boolean =>
  verifyText(publicKey, canonicalResponseString(response), signature);

/** The signed headers of an incoming request, or the reason they are unusable. */
export type ParsedHeaders =
  { ok: true; origin: string; destination: string; timestamp: number; nonce: string; signature: string } | { ok: false; reason: string };

export function parseSignatureHeaders(headers: Record<string, string | string[] | undefined>): ParsedHeaders {
  const get = (name: string) => {
    const v = headers[name];
    return typeof v === 'string' ? v : undefined;
  };
  const origin = get(FederationHeader.origin)?.toLowerCase();
  const destination = get(FederationHeader.destination)?.toLowerCase();
  const timestamp = get(FederationHeader.timestamp);
  const nonce = get(FederationHeader.nonce);
  const signature = get(FederationHeader.signature);
  if (!origin || !destination || !timestamp || !nonce || !signature) return { ok: false, reason: 'unsigned request' };
  if (!/^\d{1,16}$/.test(timestamp)) return { ok: false, reason: 'malformed timestamp' };
  if (!NONCE.test(nonce)) return { ok: false, reason: 'malformed nonce' };
  return { ok: true, origin, destination, timestamp: Number(timestamp), nonce, signature };
}

export const isFresh = (timestamp: number, now: number) => Math.abs(now - timestamp) <= SIGNATURE_WINDOW_MS;

/** A new Ed25519 key pair; the private key as base64 PKCS#8 DER. */
export function generateServerKey(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
}

/** Reads PARLEY_SERVER_KEY or a stored key: PEM, or base64 of PKCS#8 DER. Throws when it is not Ed25519. */
export function loadPrivateKey(text: string): KeyObject {
  const trimmed = text.trim();
  const key = trimmed.startsWith('-----BEGIN')
    ? createPrivateKey(trimmed)
    : createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the server key must be an Ed25519 key');
  return key;
}

/** The published form of a public key: base64 of its 32 raw bytes. */
export function rawPublicKey(key: KeyObject): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' }) as { x: string };
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}

/** A public key from its published form; null when it is not 32 bytes. */
export function publicKeyFromRaw(base64: string): KeyObject | null {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32) return null;
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}
