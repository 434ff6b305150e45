import type { ParleyConfig } from '../config/config';

/** The places where an e2e test may have the server die: before a relayed fan-out commits, and after it committed but before the peer hears 200. */
export const CRASH_POINTS = ['relayed-fanout-received', 'relayed-fanout-stored'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/**
 * Test-only: the process dies here, as in a power cut (SIGKILL: no
 * shutdown hooks, no answer), when it was started with
 * PARLEY_TEST_CRASH_AT=`point`. A SIGKILL from outside cannot hit a window
 * of a millisecond reliably; this can. config.ts accepts the variable only
 * for a `*.test` domain (RFC 6761: never a real server's).
 */
export function crashPoint(config: ParleyConfig, point: CrashPoint): void {
  if (config.testCrashAt === point) process.kill(process.pid, 'SIGKILL');
}
