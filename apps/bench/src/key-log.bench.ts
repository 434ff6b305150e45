import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { inclusionProofRanges, consistencyProofRanges, HASH_SIZE } from '@parley/transparency';
import { percentile } from './clients';
import { Deployment } from './deployment';
import { inParallel } from './population';

export interface KeyLogResult {
  leaves: number;
  appendsPerSecond: number;
  proofFetchesPerSecond: number;
  proofP50: number;
  proofP99: number;
  failed: number;
}

/**
 * The key log (docs/API.md section 8) under load, on PostgreSQL: `leaves`
 * list changes are put in the outbox at once (as a burst of registrations
 * would, without paying for argon2 and key checks), and the rate is how
 * fast the server's sequencer turns them into signed tree growth, read
 * from its checkpoints. Then inclusion proofs of random leaves are fetched
 * by `concurrency` clients for `seconds`.
 */
export async function runKeyLog(deployment: Deployment, leaves: number, seconds: number, concurrency = 16): Promise<KeyLogResult> {
  if (!deployment.databaseUrl) throw new Error('the key log bench needs a PostgreSQL deployment');
  const baseUrl = deployment.servers[0].url;
  const db = new Client({ connectionString: deployment.databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO key_log_pending (address, list_version, account_identity_key, list_hash)
       SELECT 'bench' || n || '@bench.example', 1, $1, $2 FROM generate_series(1, $3::int) AS n`,
      [Buffer.alloc(33, 5).toString('base64'), Buffer.alloc(32, 7).toString('base64'), leaves],
    );
  } finally {
    await db.end();
  }

  // Timed from the first growth seen, so the wait for the next sequencer round is not counted.
  let first: { size: number; at: number } | null = null;
  let size = await treeSize(baseUrl);
  while (size < leaves) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    size = await treeSize(baseUrl);
    if (!first && size > 0) first = { size, at: performance.now() };
  }
  const appendsPerSecond = first && size > first.size ? ((size - first.size) * 1000) / (performance.now() - first.at) : NaN;

  const latencies: number[] = [];
  let failed = 0;
  const deadline = performance.now() + seconds * 1000;
  await inParallel(
    Array.from({ length: concurrency }, (_, i) => i),
    concurrency,
    async () => {
      while (performance.now() < deadline) {
        const index = Math.floor(Math.random() * size);
        const started = performance.now();
        const res = await fetch(`${baseUrl}/v1/transparency/inclusion?index=${index}&size=${size}`);
        await res.arrayBuffer();
        if (res.status === 200) latencies.push(performance.now() - started);
        else failed++;
      }
    },
  );
  latencies.sort((a, b) => a - b);
  return {
    leaves: size,
    appendsPerSecond,
    proofFetchesPerSecond: latencies.length / seconds,
    proofP50: Math.round(percentile(latencies, 50)),
    proofP99: Math.round(percentile(latencies, 99)),
    failed,
  };
}

async function treeSize(baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl}/v1/transparency/checkpoint`);
  if (res.status !== 200) return 0;
  const { checkpoint } = (await res.json()) as { checkpoint: string };
  return Number(checkpoint.split('\n')[1]);
}

/**
 * Proof sizes the server answers at a tree size: the largest inclusion
 * proof over every leaf index of a sample and the largest consistency proof
 * to it, in bytes of hashes. Computed by the server's own proof planning
 * (stored-tree.ts), so no tree of 10^6 leaves has to be built to know them.
 */
export function proofSizes(size: number): { inclusionBytes: number; consistencyBytes: number } {
  const sample = Array.from({ length: 2000 }, (_, i) => Math.floor((i * size) / 2000));
  const longest = (lengths: number[]) => Math.max(...lengths) * HASH_SIZE;
  return {
    inclusionBytes: longest(sample.map((index) => inclusionProofRanges(index, size).length)),
    consistencyBytes: longest(sample.filter((from) => from > 0).map((from) => consistencyProofRanges(from, size).length)),
  };
}
