import { KeyLogError, toBase64, verifyDeviceListSignature } from '@parley/crypto';
import { KeyLeaf, TransparencyError, appendLeaves, decodeKeyLeaf, hashLeaf } from '@parley/transparency';
import { KEY_LOG_LEAVES_PER_PAGE } from '@parley/protocol';
import { ExitCode } from '../cli-error';
import type { DeviceContext } from '../profile/device-context';
import { KeyLogAlarm, keyLogAlarm, keyLogTrust, rememberOwnList, withKeyLogAlarm } from './key-log';

/** One leaf of this account found in the log, and what this device makes of it. */
export interface OwnLeaf {
  index: number;
  version: number;
  /** known: a list this device saw signed; before: older than this device; unseen: signed by this account identity, not seen here. */
  status: 'known' | 'before' | 'unseen';
}

export interface MonitorReport {
  treeSize: number;
  /** Leaves read in this run (the log from where the last run stopped). */
  scanned: number;
  ownLeaves: OwnLeaf[];
}

const b64 = (text: string) => Buffer.from(text, 'base64');
const alarm = (message: string) => new KeyLogAlarm(message, ExitCode.LogAlarm, 'key_log_unknown_leaf');

/**
 * Monitors this account in the home key log (API.md section 8): reads
 * every leaf appended since the last run (GET /v1/transparency/leaves, a
 * page of 256 a request), checks that together they make the newest
 * checkpoint's tree (so no leaf was hidden or swapped), and checks each leaf naming this account: it
 * must be a list this device saw signed, or one its account identity
 * signed later (read from GET /v1/devices), and versions only go up. A
 * leaf under another account identity, a second list for a version, or a
 * version going back is an alarm (KeyLogAlarm, exit 9); the log position
 * is then not advanced, so every run repeats it. Reading the whole log
 * rather than walking the account's chain back from its bundle's leaf
 * matters: a server hiding a leaf from its owner would not put it on the
 * chain its owner is shown.
 */
export async function monitorAccount(ctx: DeviceContext): Promise<MonitorReport> {
  try {
    return await checkAccountInLog(ctx);
  } catch (error) {
    if (error instanceof KeyLogAlarm && error.exitCode === ExitCode.LogAlarm) await reportAlarmOnce(ctx, error);
    throw error;
  }
}

/**
 * Puts an alarm in the account's audit log, where its other devices see
 * it (`parley audit`, chat's `· security:` lines), once: every later run
 * raises it again here, but the log keeps one entry. Best effort: the
 * alarm itself stands whether or not the server records it.
 */
async function reportAlarmOnce(ctx: DeviceContext, alarm: KeyLogAlarm): Promise<void> {
  if (ctx.profile.reportedAlarm === alarm.message) return;
  const reason = alarm.code === 'key_log_fork' ? 'key_log_fork' : 'key_log_unknown_leaf';
  try {
    await ctx.client.reportKeyLogAlarm({ reason, message: alarm.message.slice(0, 500) });
    ctx.profile.reportedAlarm = alarm.message;
    await ctx.store.save();
  } catch {
    /* the alarm is printed all the same; the next run tries again */
  }
}

async function checkAccountInLog(ctx: DeviceContext): Promise<MonitorReport> {
  if (Object.keys(ctx.profile.ownLists ?? {}).length === 0) await rememberCurrentList(ctx);
  const checkpoint = await withKeyLogAlarm(() => keyLogTrust(ctx).latest());
  const from = ctx.profile.monitored ?? { size: 0, edge: [], lastVersion: 0 };
  if (checkpoint.size <= from.size) return { treeSize: checkpoint.size, scanned: 0, ownLeaves: [] };
  const leaves = await readLeaves(ctx, from.size, checkpoint.size);
  const appended = appendLeaves(from.size, from.edge.map(b64), leaves.map(hashLeaf));
  if (!appended.root.equals(checkpoint.rootHash)) {
    throw keyLogAlarm(new KeyLogError('log_fork', `the leaves it served do not make its checkpoint of size ${checkpoint.size}`));
  }
  let lastVersion = from.lastVersion;
  const ownLeaves: OwnLeaf[] = [];
  for (const [offset, bytes] of leaves.entries()) {
    const leaf = decodeOrNull(bytes);
    if (leaf?.address !== ctx.ownAddress) continue;
    const index = from.size + offset;
    const status = await classifyOwnLeaf(ctx, index, leaf, lastVersion);
    ownLeaves.push({ index, version: leaf.listVersion, status });
    lastVersion = leaf.listVersion;
  }
  ctx.profile.monitored = { size: checkpoint.size, edge: appended.edge.map((h) => h.toString('base64')), lastVersion };
  await ctx.store.save();
  return { treeSize: checkpoint.size, scanned: leaves.length, ownLeaves };
}

/** Leaves start..end-1, a page (KEY_LOG_LEAVES_PER_PAGE) a request; a page cut short makes the checkpoint check fail. */
async function readLeaves(ctx: DeviceContext, start: number, end: number): Promise<Buffer[]> {
  const leaves: Buffer[] = [];
  while (start + leaves.length < end) {
    const count = Math.min(KEY_LOG_LEAVES_PER_PAGE, end - start - leaves.length);
    const page = await ctx.client.keyLogLeaves(start + leaves.length, count);
    if (page.leaves.length === 0) break;
    leaves.push(...page.leaves.map(b64));
  }
  return leaves;
}

/** Leaves of other accounts are none of this device's business; a malformed one is treated like them. */
function decodeOrNull(bytes: Buffer): KeyLeaf | null {
  try {
    return decodeKeyLeaf(bytes);
  } catch (error) {
    if (error instanceof TransparencyError) return null;
    throw error;
  }
}

/** Remembers the account's current list (GET /v1/devices) if this account identity signed it; returns its version, 0 if not. */
async function rememberCurrentList(ctx: DeviceContext): Promise<number> {
  const { deviceList } = await ctx.client.listDevices();
  const ownIdentity = toBase64(ctx.accountIdentity.publicKey.serialize());
  if (!deviceList || deviceList.address !== ctx.ownAddress || deviceList.accountIdentityKey !== ownIdentity) return 0;
  if (!verifyDeviceListSignature(deviceList)) return 0;
  rememberOwnList(ctx, deviceList);
  return deviceList.version;
}

async function classifyOwnLeaf(ctx: DeviceContext, index: number, leaf: KeyLeaf, lastVersion: number): Promise<OwnLeaf['status']> {
  const where = `leaf ${index} of the key log`;
  const versions = Object.keys(ctx.profile.ownLists ?? {}).map(Number);
  const firstKnown = Math.min(...versions);
  if (leaf.listVersion <= lastVersion) {
    throw alarm(
      `${where} records ${ctx.ownAddress}'s device list version ${leaf.listVersion} after version ${lastVersion}: the server rewrote this account's history`,
    );
  }
  if (leaf.listVersion < firstKnown) return 'before';
  const ownIdentity = toBase64(ctx.accountIdentity.publicKey.serialize());
  const expected = () => ctx.profile.ownLists?.[String(leaf.listVersion)];
  if (expected() === undefined && leaf.accountIdentityKey === ownIdentity) {
    const current = await rememberCurrentList(ctx);
    if (expected() === undefined && current > leaf.listVersion) return 'unseen';
  }
  if (expected() === leaf.listHash) return 'known';
  const what = leaf.accountIdentityKey === ownIdentity ? 'a device list' : 'a device list under another account identity';
  throw alarm(
    `${where} records ${what} for ${ctx.ownAddress} (version ${leaf.listVersion}) that none of this account's devices signed: ` +
      'someone may be shown other devices for you; keep this profile as evidence, check `parley audit` and tell the server operator',
  );
}
