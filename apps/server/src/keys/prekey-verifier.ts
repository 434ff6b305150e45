import { KEMPublicKey, PublicKey } from '@signalapp/libsignal-client';
import { ErrorCode } from '@parley/protocol';
import { ParleyException } from '../common/parley.exception';
import { UploadKeysDto } from './dto/prekey.dto';
import { StoredPreKey, StoredSignedPreKey } from './keys.repository';

/** Upload material decoded to bytes, every key parsed and every signature checked. */
export interface VerifiedKeys {
  signedPreKey?: StoredSignedPreKey;
  pqLastResortPreKey?: StoredSignedPreKey;
  preKeys: StoredPreKey[];
  pqPreKeys: StoredSignedPreKey[];
}

const bytes = (base64: string) => Buffer.from(base64, 'base64');

function parseIdentityKey(identityKey: Buffer): PublicKey {
  try {
    return PublicKey.deserialize(new Uint8Array(identityKey));
  } catch {
    throw new ParleyException(ErrorCode.InvalidKey, 'identityKey is not a valid EC public key');
  }
}

function parseKey(field: string, publicKey: Buffer, kind: 'ec' | 'kyber') {
  try {
    if (kind === 'ec') PublicKey.deserialize(new Uint8Array(publicKey));
    else KEMPublicKey.deserialize(new Uint8Array(publicKey));
  } catch {
    throw new ParleyException(ErrorCode.InvalidKey, `${field} is not a valid ${kind === 'ec' ? 'EC' : 'Kyber'} public key`);
  }
}

function verifySigned(
  identity: PublicKey,
  field: string,
  key: { keyId: number; publicKey: string; signature: string },
  kind: 'ec' | 'kyber',
): StoredSignedPreKey {
  const publicKey = bytes(key.publicKey);
  parseKey(field, publicKey, kind);
  if (!identity.verify(new Uint8Array(publicKey), new Uint8Array(bytes(key.signature)))) {
    throw new ParleyException(ErrorCode.InvalidSignature, `${field}: signature does not verify against the identity key`);
  }
  return { keyId: key.keyId, publicKey, signature: bytes(key.signature) };
}

function rejectDuplicateIds(field: string, keys: { keyId: number }[]) {
  const seen = new Set<number>();
  for (const { keyId } of keys) {
    if (seen.has(keyId)) throw new ParleyException(ErrorCode.DuplicateKeyId, `${field}: key id ${keyId} appears twice`);
    seen.add(keyId);
  }
}

/**
 * Parses every key with libsignal and verifies every signature against the
 * device's identity key, before anything is stored (API.md section 2).
 */
export function verifyUploadedKeys(identityKey: Buffer, upload: UploadKeysDto): VerifiedKeys {
  const identity = parseIdentityKey(identityKey);
  const preKeys = upload.preKeys ?? [];
  const pqPreKeys = upload.pqPreKeys ?? [];
  rejectDuplicateIds('preKeys', preKeys);
  rejectDuplicateIds('pqPreKeys', [...pqPreKeys, ...(upload.pqLastResortPreKey ? [upload.pqLastResortPreKey] : [])]);
  return {
    signedPreKey: upload.signedPreKey && verifySigned(identity, 'signedPreKey', upload.signedPreKey, 'ec'),
    pqLastResortPreKey: upload.pqLastResortPreKey && verifySigned(identity, 'pqLastResortPreKey', upload.pqLastResortPreKey, 'kyber'),
    preKeys: preKeys.map((k, i) => {
      const publicKey = bytes(k.publicKey);
      parseKey(`preKeys.${i}`, publicKey, 'ec');
      return { keyId: k.keyId, publicKey };
    }),
    pqPreKeys: pqPreKeys.map((k, i) => verifySigned(identity, `pqPreKeys.${i}`, k, 'kyber')),
  };
}

export { parseIdentityKey };
