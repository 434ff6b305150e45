import type { KeyCountResponse, UploadKeysRequest } from '@parley/protocol';
import {
  generateKyberPreKey,
  generatePreKey,
  generateSignedPreKey,
  publicKyberPreKey,
  publicPreKey,
  publicSignedPreKey,
} from './key-generation';
import type { ProtocolStore } from './store/protocol-store';

/** How many one-time keys of each kind a device keeps on the server. */
export const ONE_TIME_KEY_TARGET = 50;

/** Signed prekeys kept after a rotation: the new one and two before it, for bundles fetched before it. */
const SIGNED_PREKEYS_KEPT = 3;

/**
 * Generates the one-time keys that bring the server's counts back up to
 * `target`, stores their private halves and returns the upload body (or null
 * when nothing is missing). Private keys are stored before the upload: a key
 * the server hands out must never be one this device cannot use.
 */
export async function topUpOneTimeKeys(
  store: ProtocolStore,
  counts: KeyCountResponse,
  target = ONE_TIME_KEY_TARGET,
): Promise<UploadKeysRequest | null> {
  const ecIds = store.allocateKeyIds('preKey', Math.max(0, target - counts.preKeys));
  const kyberIds = store.allocateKeyIds('kyberPreKey', Math.max(0, target - counts.pqPreKeys));
  if (ecIds.length === 0 && kyberIds.length === 0) return null;
  const preKeys = ecIds.map(generatePreKey);
  const kyberPreKeys = kyberIds.map((id) => generateKyberPreKey(store.identityKeyPair, id));
  await store.addKeys({ preKeys, kyberPreKeys });
  const upload: UploadKeysRequest = {};
  if (preKeys.length) upload.preKeys = preKeys.map(publicPreKey);
  if (kyberPreKeys.length) upload.pqPreKeys = kyberPreKeys.map(publicKyberPreKey);
  return upload;
}

/**
 * A new signed prekey and a new Kyber last-resort key, for periodic rotation.
 * Old last-resort keys are kept: peers may still hold bundles that name them.
 */
export async function rotateSignedKeys(store: ProtocolStore): Promise<UploadKeysRequest> {
  const [signedId] = store.allocateKeyIds('signedPreKey', 1);
  const [lastResortId] = store.allocateKeyIds('kyberPreKey', 1);
  const signedPreKey = generateSignedPreKey(store.identityKeyPair, signedId);
  const lastResortKey = generateKyberPreKey(store.identityKeyPair, lastResortId);
  await store.addKeys({ signedPreKey, lastResortKey });
  await store.signedPreKeys.pruneTo(SIGNED_PREKEYS_KEPT);
  return { signedPreKey: publicSignedPreKey(signedPreKey), pqLastResortPreKey: publicKyberPreKey(lastResortKey) };
}
