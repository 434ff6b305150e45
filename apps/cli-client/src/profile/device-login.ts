import type { IdentityKeyPair } from '@signalapp/libsignal-client';
import { DEVICE_LOGIN_CONTEXT, ErrorCode, ParleyApiError, ParleyClient, TokenPair } from '@parley/protocol';
import { fromBase64, toBase64 } from '@parley/crypto';
import { deviceRemovedError } from '../cli-error';

/** Who logs in: the device's account, id and identity key. */
export interface DeviceCredentials {
  username: string;
  deviceId: number;
  identityKeyPair: IdentityKeyPair;
  /** The --profile it lives in, for the commands a removed device is told to run. */
  profile?: string;
}

/**
 * Device login (API.md section 1): signs the server's challenge with the
 * device's identity key; no password. The server knows no such device
 * (404 on the challenge), or refuses a correctly signed answer because the
 * id now names another key: either way this device was removed from its
 * account, which `deviceRemovedError` says plainly.
 */
export async function logInDevice(
  client: ParleyClient,
  { username, deviceId, identityKeyPair, profile }: DeviceCredentials,
): Promise<TokenPair> {
  try {
    const { challenge } = await client.challenge(username, deviceId);
    const signed = Buffer.concat([Buffer.from(DEVICE_LOGIN_CONTEXT, 'utf8'), fromBase64(challenge)]);
    const signature = identityKeyPair.privateKey.sign(new Uint8Array(signed));
    return await client.deviceLogin(username, deviceId, challenge, toBase64(signature));
  } catch (error) {
    const gone = error instanceof ParleyApiError && (error.error === ErrorCode.UnknownDevice || error.status === 401);
    throw gone ? deviceRemovedError(username, deviceId, profile) : error;
  }
}
