import { KeyLogError, KeyLogRecord, KeyLogStore, KeyLogTrust } from '@parley/crypto';
import type { PreKeyBundleResponse, SignedDeviceList } from '@parley/protocol';
import { deviceListHash, parseCosignerVerifierKey } from '@parley/transparency';
import { CliError, ExitCode } from '../cli-error';
import type { DeviceContext } from '../profile/device-context';

/** Key log records kept in the encrypted profile, written at once like contacts. */
class ProfileKeyLogStore implements KeyLogStore {
  constructor(private readonly ctx: DeviceContext) {}

  async get(origin: string): Promise<KeyLogRecord | null> {
    const record = this.ctx.profile.keyLogs?.[origin];
    return record ? { ...record } : null;
  }

  async put(record: KeyLogRecord): Promise<void> {
    this.ctx.profile.keyLogs = { ...this.ctx.profile.keyLogs, [record.origin]: { ...record } };
    await this.ctx.store.save();
  }
}

export const keyLogTrust = (ctx: DeviceContext) =>
  new KeyLogTrust(
    new ProfileKeyLogStore(ctx),
    ctx.profile.domain,
    (domain) =>
      domain === ctx.profile.domain.toLowerCase()
        ? { checkpoint: () => ctx.client.keyLogCheckpoint(), consistency: (from, to) => ctx.client.keyLogConsistency(from, to) }
        : {
            checkpoint: () => ctx.client.peerKeyLogCheckpoint(domain),
            consistency: (from, to) => ctx.client.peerKeyLogConsistency(domain, from, to),
          },
    (ctx.profile.witnesses ?? []).map(parseCosignerVerifierKey),
  );

/**
 * The key log refused something. A bad or missing proof refuses one
 * bundle, as an untrusted device list does (exit 7); a fork is evidence
 * that the server showed two histories, and has its own exit code (9).
 */
export class KeyLogAlarm extends CliError {
  constructor(message: string, exitCode: ExitCode, code: string) {
    super(message, exitCode, code);
  }
}

const CODES = {
  missing_proof: [ExitCode.Untrusted, 'key_log_proof_missing', 'not sending'],
  bad_proof: [ExitCode.Untrusted, 'key_log_proof_invalid', 'not sending'],
  bad_checkpoint: [ExitCode.Untrusted, 'key_log_checkpoint_invalid', 'not sending'],
  log_fork: [ExitCode.LogAlarm, 'key_log_fork', 'not sending; keep this profile as evidence and tell the server operator'],
  not_witnessed: [
    ExitCode.Untrusted,
    'key_log_not_witnessed',
    'not sent yet; witnesses cosign within seconds, so it goes with the next send',
  ],
} as const;

export function keyLogAlarm(error: KeyLogError): KeyLogAlarm {
  const [exitCode, code, advice] = CODES[error.reason];
  return new KeyLogAlarm(`${error.message}; ${advice}`, exitCode, code);
}

/** Remembers a list this account's identity signed, for `monitor` to recognise its leaf. */
export function rememberOwnList(ctx: DeviceContext, list: SignedDeviceList): void {
  if (list.address !== ctx.ownAddress) return;
  ctx.profile.ownLists = { ...ctx.profile.ownLists, [String(list.version)]: deviceListHash(list) };
}

const PROOF_WAIT_MS = 600;
const PROOF_ATTEMPTS = 3;

/**
 * GET /v1/keys/:address[/:deviceId], fetched again while the bundle has
 * no key log proof yet: a list changed less than a second ago may wait
 * for its leaf (API.md section 8). Twice at most, 0.6 s apart, then the
 * bundle is returned as it is and its check refuses it. Each fetch spends
 * one-time keys, which is why this does not try for longer.
 */
export async function fetchProvenBundles(ctx: DeviceContext, address: string, deviceId?: number): Promise<PreKeyBundleResponse> {
  for (let attempt = 1; ; attempt++) {
    const bundle = await ctx.client.fetchBundles(address, deviceId);
    if (bundle.transparency || !bundle.deviceList || attempt >= PROOF_ATTEMPTS) return bundle;
    await new Promise((resolve) => setTimeout(resolve, PROOF_WAIT_MS));
  }
}

/** Runs a key log check, turning its failure into the CLI's alarm. */
export async function withKeyLogAlarm<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    throw error instanceof KeyLogError ? keyLogAlarm(error) : error;
  }
}
