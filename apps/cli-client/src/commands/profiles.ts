import { existsSync, readdirSync } from 'node:fs';
import { Command } from 'commander';
import { DeviceStore, WrongPassphraseError } from '@parley/crypto';
import { Output } from '../output';
import type { DeviceProfile, GlobalOptions } from '../profile/device-context';
import { profileDirectory, profilesHome, storePath } from '../profile/profile-location';
import { readPassphrase } from '../profile/secrets';

/** One profile under $PARLEY_HOME; `device` is missing when the passphrase does not open it. */
interface ProfileEntry {
  profile: string;
  dir: string;
  selected: boolean;
  device?: { address: string; deviceId: number; deviceName: string; server: string };
}

async function describeProfile(name: string, passphrase: string | null, selectedDir: string): Promise<ProfileEntry> {
  const dir = profileDirectory(name);
  const entry: ProfileEntry = { profile: name, dir, selected: dir === selectedDir };
  if (!passphrase) return entry;
  try {
    const { profile } = await DeviceStore.open<DeviceProfile>(storePath(dir), passphrase);
    entry.device = {
      address: `${profile.username}@${profile.domain}`,
      deviceId: profile.deviceId,
      deviceName: profile.deviceName,
      server: profile.server,
    };
  } catch (error) {
    if (!(error instanceof WrongPassphraseError)) throw error;
  }
  return entry;
}

const describeLine = ({ profile, selected, device }: ProfileEntry, withPassphrase: boolean) =>
  `${selected ? '*' : ' '} ${profile.padEnd(16)} ` +
  (device
    ? `${device.address} device ${device.deviceId} "${device.deviceName}" on ${device.server}`
    : withPassphrase
      ? '(another passphrase)'
      : '(set PARLEY_PASSPHRASE to see its device)');

/**
 * The profiles under $PARLEY_HOME, opened with this terminal's passphrase
 * (profiles with another one are listed without their details); `*` marks
 * the one --profile selects.
 */
export const profilesCommand = () =>
  new Command('profiles')
    .description('list the device profiles under $PARLEY_HOME (default ~/.parley); * marks the selected one')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const home = profilesHome();
      const names = existsSync(home)
        ? readdirSync(home, { withFileTypes: true })
            .filter((e) => e.isDirectory() && existsSync(storePath(profileDirectory(e.name))))
            .map((e) => e.name)
            .sort()
        : [];
      const passphrase = names.length ? await readPassphrase().catch(() => null) : null;
      const selectedDir = profileDirectory(options.profile);
      const entries = await Promise.all(names.map((name) => describeProfile(name, passphrase, selectedDir)));
      const out = new Output(Boolean(options.json));
      const human = entries.length ? entries.map((e) => describeLine(e, passphrase !== null)).join('\n') : `no profiles under ${home}`;
      out.result(human, { home, profiles: entries });
    });
