import type { AuditEntry, ParleyClient } from '@parley/protocol';
import { verifyAuditChain } from '@parley/crypto';

/** The newest entry this device verified: the history served later must still contain it unchanged. */
export interface AuditHead {
  seq: number;
  hash: string;
}

export type AuditVerdict = { ok: true; head: AuditHead | null } | { ok: false; brokenAt: number; reason: string };

/** The whole log, every page (GET /v1/account/audit), oldest first. */
export async function fetchAuditLog(client: ParleyClient): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (let more = true; more;) {
    const page = await client.auditLog(entries.at(-1)?.seq ?? 0);
    entries.push(...page.entries);
    more = page.more && page.entries.length > 0;
  }
  return entries;
}

/**
 * Checks the chain from the first entry, then that it still holds the head
 * remembered from an earlier run: a server that rewrites history must
 * rewrite the whole chain after the change, which this device notices by
 * the remembered hash (or by the entry having gone).
 */
export function checkAuditLog(entries: AuditEntry[], remembered: AuditHead | undefined): AuditVerdict {
  const chain = verifyAuditChain(entries);
  if (!chain.ok) return chain;
  if (remembered) {
    const kept = entries.find((e) => e.seq === remembered.seq);
    if (!kept) return { ok: false, brokenAt: remembered.seq, reason: `entry ${remembered.seq}, verified before, is no longer served` };
    if (kept.hash !== remembered.hash) {
      return { ok: false, brokenAt: remembered.seq, reason: `entry ${remembered.seq} changed since this device verified it` };
    }
  }
  const last = entries.at(-1);
  return { ok: true, head: last ? { seq: last.seq, hash: last.hash } : null };
}
