import { join } from 'node:path';
import { ProtocolAddress } from '@signalapp/libsignal-client';
import { DeviceStore } from '@parley/crypto';
import { storePath } from '../src/profile/profile-location';
import { PASSPHRASE } from './cli-runner';

/**
 * Opens a profile that no `parley` process is using, as the CLI would, to
 * break its state on purpose: what a lost write, a restored backup or a bug
 * leaves behind.
 */
export async function editProfile(home: string, profile: string, edit: (store: DeviceStore<any>) => Promise<void>): Promise<void> {
  const store = await DeviceStore.open<any>(storePath(join(home, profile)), PASSPHRASE);
  await edit(store);
  await store.save();
}

/** Forgets the session `profile` has with one device of `peer`. */
export const forgetSession = (home: string, profile: string, peer: string, deviceId: number) =>
  editProfile(home, profile, (store) => store.sessions.deleteSession(ProtocolAddress.new(peer, deviceId)));
