import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes, sign, verify } from 'node:crypto';

/**
 * Server-to-server request signatures (docs/FEDERATION.md, "Request
 * signatures"). Pure functions: the guard, the client and the tests share
 * them, so signer and verifier cannot drift apart.
 */

export const SIGNATURE_VERSION = 'parley-federation-v1';

/** A request is fresh while |now - timestamp| is at most this (API.md section 5: "too old"). */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

export const FederationHeader = {
  origin: 'x-parley-origin',
  destination: 'x-parley-destination',
  timestamp: 'x-parley-timestamp',
  nonce: 'x-parley-nonce',
  signature: 'x-parley-signature',
} as const;

const NONCE = /^[A-Za-z0-9_-]{16,128}$/;

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
    createHash('sha256').update(request.body).digest('hex'),
  ].join('\n');
}

/** A fresh nonce: 18 random bytes, base64url (24 characters). */
export const newNonce = () => randomBytes(18).toString('base64url');

/** The headers of a signed request. */
export function signRequest(privateKey: KeyObject, request: SignedRequest): Record<string, string> {
  const signature = sign(null, Buffer.from(canonicalString(request)), privateKey).toString('base64');
  return {
    [FederationHeader.origin]: request.origin,
    [FederationHeader.destination]: request.destination,
    [FederationHeader.timestamp]: String(request.timestamp),
    [FederationHeader.nonce]: request.nonce,
    [FederationHeader.signature]: signature,
  };
}

export function verifyRequest(publicKey: KeyObject, request: SignedRequest, signature: string): boolean {
  try {
    return verify(null, Buffer.from(canonicalString(request)), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

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
