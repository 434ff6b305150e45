import type { AuditEntry } from '@parley/protocol';
import { plural } from '../output';

type Detail = AuditEntry['detail'];

/** Each kind in words (docs/API.md, "Audit log"); a kind this client does not know yet still shows, as data. */
const DESCRIPTIONS: Record<string, (d: Detail) => string> = {
  login: (d) => `password login from ${d.network}`,
  login_failed: (d) => `failed login from ${d.network}`,
  device_added: (d) => `device ${d.deviceId} added (list v${d.listVersion})${d.name ? `, named "${d.name}"` : ''}`,
  device_removed: (d) => `device ${d.deviceId} removed by device ${d.by} (list v${d.listVersion})`,
  device_challenge: (d) => `login challenge issued for device ${d.deviceId}`,
  device_login: (d) => `device ${d.deviceId} logged in with its identity key`,
  refresh_reuse: (d) =>
    d.deviceId === undefined
      ? 'a spent refresh token of a password login came back; its sessions were revoked'
      : `a spent refresh token of device ${d.deviceId} came back; its sessions were revoked`,
  keys_uploaded: (d) => {
    const rotated = [d.signedPreKey ? 'a signed prekey' : '', d.lastResortKey ? 'a Kyber last-resort prekey' : ''].filter(Boolean);
    return `device ${d.deviceId} uploaded ${plural(Number(d.preKeys), 'EC one-time prekey')}, ${plural(Number(d.pqPreKeys), 'Kyber one-time prekey')}${rotated.map((r) => ` and ${r}`).join('')}`;
  },
  key_log_alarm: (d) => `device ${d.deviceId} raised a key log alarm (${d.reason}): ${d.message}`,
  account_reset: (d) =>
    `account reset: a new account identity, device ${d.deviceId} its only device (list v${d.listVersion}, ${plural(Number(d.devicesRemoved), 'device')} removed)`,
};

/** What an audit entry says, e.g. `device 2 added (list v2)`. */
export function describeAuditEntry(entry: Pick<AuditEntry, 'kind' | 'detail'>): string {
  return DESCRIPTIONS[entry.kind]?.(entry.detail) ?? `${entry.kind} ${JSON.stringify(entry.detail)}`;
}

/** One line of `parley audit`: seq, UTC time, what happened. */
export function formatAuditEntry(entry: AuditEntry): string {
  const at = new Date(entry.at).toISOString().replace('T', ' ').slice(0, 19);
  return `${String(entry.seq).padStart(4)}  ${at}  ${describeAuditEntry(entry)}`;
}
