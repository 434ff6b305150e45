import type { PreKeyBundleResponse } from '@parley/protocol';
import type { AuthenticatedDevice } from '../auth/authenticated-user';

/**
 * Fetches bundles of users on other servers. Provided by the federation
 * module when it is loaded; without it, remote addresses are unknown.
 */
export interface RemoteKeyDirectory {
  fetchRemoteBundle(requester: AuthenticatedDevice, username: string, domain: string, deviceId?: number): Promise<PreKeyBundleResponse>;
}

export const REMOTE_KEY_DIRECTORY = Symbol('REMOTE_KEY_DIRECTORY');
