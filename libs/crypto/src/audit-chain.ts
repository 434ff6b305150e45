import { createHash } from 'node:crypto';
import { AuditEntry, encodeAuditEntry } from '@parley/protocol';

/** The hash before an account's first entry. */
export const AUDIT_GENESIS_HASH = Buffer.alloc(32).toString('base64');

/** SHA-256 over the previous hash's 32 bytes and the entry's encoding, base64. */
export function auditEntryHash(previousHash: string, entry: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256').update(Buffer.from(previousHash, 'base64')).update(encodeAuditEntry(entry), 'utf8').digest('base64');
}

export type AuditChainCheck = { ok: true; head: string } | { ok: false; brokenAt: number; reason: string };

/**
 * Checks that `entries` continue the chain from `previousHash` (the
 * genesis hash when starting from the first entry): consecutive seqs and
 * each hash over its predecessor. `head` is the newest hash, to remember.
 */
export function verifyAuditChain(entries: AuditEntry[], previousHash = AUDIT_GENESIS_HASH, previousSeq = 0): AuditChainCheck {
  let head = previousHash;
  let seq = previousSeq;
  for (const entry of entries) {
    if (entry.seq !== seq + 1) return { ok: false, brokenAt: entry.seq, reason: `entry ${seq + 1} is missing` };
    if (auditEntryHash(head, entry) !== entry.hash)
      return { ok: false, brokenAt: entry.seq, reason: `entry ${entry.seq} does not hash to its recorded value` };
    head = entry.hash;
    seq = entry.seq;
  }
  return { ok: true, head };
}
