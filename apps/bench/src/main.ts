import { Deployment, startDeployment, Storage } from './deployment';
import { EjabberdAnchor, runEjabberdAnchor } from './ejabberd-anchor';
import { runIdleConnections } from './idle-connections.bench';
import { KeyFetchResult, runKeyFetch } from './key-fetch.bench';
import { KeyLogResult, proofSizes, runKeyLog } from './key-log.bench';
import { DrainResult, runOfflineDrain } from './offline-drain.bench';
import { GOAL_HALF_RATE, runMessageThroughput, ThroughputResult } from './message-throughput.bench';
import { REFERENCE } from './reference';
import { FANOUT_PATHS, FanoutCost, IN_FLIGHT, relayPeerEnv, runRelayedFanouts } from './relayed-fanout.bench';
import { KeyLogCheckResult, runKeyLogCheck, runTrustCheck, TrustCheckResult } from './trust-check.bench';
import { fixed, printTable, ratio } from './table';

/**
 * `npm run bench [-- --seconds 10 --idle 5000 --only embedded,postgres,postgres+redis --suites keys,messages,idle,trust,log,relay --keyed --log-leaves 50000 --relay-rounds 5 --relay-sends 2000 --no-anchor]`
 * Bundle fetches with one-time key claims, message throughput, latency and memory per idle connection for each
    );
 * `npm run bench [-- --seconds 10 --idle 5000 --only embedded,postgres,postgres+redis --suites keys,messages,drain,idle,trust,log --keyed --single --log-leaves 50000 --no-anchor]`
 * Bundle fetches with one-time key claims, message throughput, latency, offline drain and memory per idle connection for each
 * deployment, beside the figures of shared/PERFORMANCE.md as ratios; the key log's append and proof rates
 * (PostgreSQL deployments) and proof sizes; with `relay` (not run by default), µs per fan-out relayed by a peer
 * beside local sends (single-process deployments). With the messages suite, ejabberd's relay is measured in the
 * same run (shared/anchors/xmpp-relay, about a minute) unless --no-anchor.
 */
function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const DEPLOYMENTS: { storage: Storage; processes: number }[] = [
  { storage: 'embedded', processes: 1 },
  { storage: 'postgres', processes: 1 },
  { storage: 'postgres+redis', processes: 1 },
  { storage: 'postgres+redis', processes: 2 },
];

async function withDeployment<T>(
  storage: Storage,
  processes: number,
  run: (d: Deployment) => Promise<T>,
  env: Record<string, string> = {},
): Promise<[string, T]> {
  const deployment = await startDeployment(storage, processes, env);
  try {
    return [deployment.label, await run(deployment)];
  } finally {
    await deployment.stop();
  }
}

async function main() {
  const seconds = Number(option('seconds', '10'));
  const idle = Number(option('idle', '5000'));
  const only = option('only', DEPLOYMENTS.map((d) => d.storage).join(',')).split(',');
  const chosen = DEPLOYMENTS.filter((d) => only.includes(d.storage));
  const suites = option('suites', 'keys,messages,drain,idle,trust,log').split(',');
  const logLeaves = Number(option('log-leaves', '50000'));
  const throughputOptions = {
    /** Sends carry idempotency keys (API.md section 3), as the SDK's do. */
    keyed: process.argv.includes('--keyed'),
    /** Recipients get one `message` per envelope, as clients that do not ask for batches do (API.md section 4). */
    batch: !process.argv.includes('--single'),
  };
  const keyFetchOptions = {
    requesters: 50,
    targets: 4,
    keysPerTarget: Number(option('keys', '2500')),
    seconds: Number(option('key-seconds', '5')),
    warmupSeconds: 2,
  };

  const throughput: [string, ThroughputResult][] = [];
  const drains: [string, DrainResult][] = [];
  const memory: [string, number][] = [];
  const keyFetch: [string, KeyFetchResult][] = [];
  const keyLog: [string, KeyLogResult][] = [];
  const relay: [string, Map<string, FanoutCost>][] = [];
  const relayRounds = Number(option('relay-rounds', '5'));
  const relaySends = Number(option('relay-sends', '2000'));
  for (const { storage, processes } of chosen) {
    if (suites.includes('log') && storage !== 'embedded') {
      process.stderr.write(`bench: ${storage} x${processes}: key log, ${logLeaves} appends...\n`);
      keyLog.push(await withDeployment(storage, processes, (d) => runKeyLog(d, logLeaves, Number(option('key-seconds', '5')))));
    }
    if (suites.includes('keys')) {
      process.stderr.write(`bench: ${storage} x${processes}: key fetches...\n`);
      keyFetch.push(await withDeployment(storage, processes, (d) => runKeyFetch(d, keyFetchOptions)));
    }
    if (suites.includes('messages')) {
      process.stderr.write(`bench: ${storage} x${processes}: messages...\n`);
      throughput.push(await withDeployment(storage, processes, (d) => runMessageThroughput(d, seconds, throughputOptions)));
    }
    if (suites.includes('drain')) {
      process.stderr.write(`bench: ${storage} x${processes}: offline drain...\n`);
      drains.push(await withDeployment(storage, processes, (d) => runOfflineDrain(d, throughputOptions.batch)));
    }
    if (suites.includes('relay') && processes === 1) {
      process.stderr.write(`bench: ${storage}: relayed and local fan-outs, ${relayRounds} rounds...\n`);
      relay.push(await withDeployment(storage, processes, (d) => runRelayedFanouts(d, relayRounds, relaySends), relayPeerEnv()));
    }
    if (suites.includes('idle')) {
      process.stderr.write(`bench: ${storage} x${processes}: ${idle} idle connections...\n`);
      const [label, result] = await withDeployment(storage, processes, (d) => runIdleConnections(d, idle));
      memory.push([label, result.bytesPerConnection]);
    }
  }

  let ejabberd: EjabberdAnchor | null = null;
  if (suites.includes('messages') && !process.argv.includes('--no-anchor')) {
    process.stderr.write('bench: ejabberd relay (shared/anchors/xmpp-relay)...\n');
    ejabberd = await runEjabberdAnchor();
  }

  const trust: TrustCheckResult[] = [];
  const logChecks: KeyLogCheckResult[] = [];
  if (suites.includes('trust')) {
    process.stderr.write('bench: signed device list checks (client side)...\n');
    for (const devices of [1, 2, 6]) trust.push(await runTrustCheck(devices, 2000));
    for (const leaves of [1_000, 100_000]) logChecks.push(await runKeyLogCheck(leaves, 2000));
  }

  if (trust.length)
    printTable(
      'Sender-side check of a bundle against the contact’s signed device list (ContactTrust.checkBundle, in-process, 2,000 checks)',
      ['devices on the list', 'µs per check', 'checks/s on one core'],
      trust.map((r) => [r.devices, fixed(r.microsPerCheck), fixed(1e6 / r.microsPerCheck)]),
    );
  if (logChecks.length)
    printTable(
      'Sender-side key log check of a bundle (KeyLogTrust.checkList: leaf, list hash, checkpoint signatures, inclusion proof; in-process, 2,000 checks)',
      ['leaves in the log', 'µs per check', 'checks/s on one core'],
      logChecks.map((r) => [r.leaves.toLocaleString('en'), fixed(r.microsPerCheck), fixed(1e6 / r.microsPerCheck)]),
    );

  if (keyLog.length)
    printTable(
      'Key log (issue 13): list changes sequenced into the signed tree, then inclusion proofs of random leaves by 16 clients',
      ['deployment', 'leaves', 'appends/s', 'vs Tessera on cloud SQL (2,000/s)', 'proof fetches/s', 'p50/p99 ms', 'failed'],
      keyLog.map(([label, r]) => [
        label,
        r.leaves,
        fixed(r.appendsPerSecond),
        ratio(r.appendsPerSecond, REFERENCE.tesseraAppendsPerSecond),
        fixed(r.proofFetchesPerSecond),
        `${r.proofP50} / ${r.proofP99}`,
        r.failed,
      ]),
    );
  if (suites.includes('log'))
    printTable(
      'Key log proof sizes (largest over 2,000 sampled positions; 32-byte hashes)',
      ['leaves', 'inclusion proof bytes', 'consistency proof bytes'],
      [1e3, 1e5, 1e6].map((size) => {
        const { inclusionBytes, consistencyBytes } = proofSizes(size);
        return [size.toLocaleString('en'), inclusionBytes, consistencyBytes];
      }),
    );

  if (keyFetch.length)
    printTable(
      `Bundle fetches, each claiming one one-time EC and one Kyber prekey: ${keyFetchOptions.requesters} concurrent requesters, ` +
        `${keyFetchOptions.targets} target devices (${keyFetchOptions.seconds} s after ${keyFetchOptions.warmupSeconds} s warm-up)`,
      [
        'deployment',
        'fetches/s',
        'vs goal (3,000/s)',
        'keys claimed/s',
        'claims vs raw pg (6,000/s)',
        'p50/p99 ms',
        'server CPU ms/fetch',
        'duplicates',
        'exhausted',
        'failed',
      ],
      keyFetch.map(([label, r]) => [
        label,
        fixed(r.fetchesPerSecond),
        ratio(r.fetchesPerSecond, REFERENCE.keyFetchGoalPerSecond),
        fixed(r.keysClaimedPerSecond),
        ratio(r.keysClaimedPerSecond, REFERENCE.postgresOneTimeKeyClaimsPerSecond),
        `${r.p50} / ${r.p99}`,
        fixed(r.serverCpuMsPerFetch, 2),
        r.duplicates,
        r.exhausted,
        r.failed,
      ]),
    );

  if (throughput.length)
    printTable(
      `Messages: 50 senders -> 50 recipients x 2 connected devices, 300-byte ciphertexts, socket.io send + ack (${seconds} s per phase), ` +
        (throughputOptions.batch ? 'batched delivery; ' : 'one `message` per envelope (--single); ') +
        "latency from the sender's send to arrival at both devices" +
        (ejabberd ? `; ejabberd in this run: ${ejabberd.p50} / ${ejabberd.p99} ms p50/p99 at its maximum` : ''),
      [
        'deployment',
        'envelopes/s max',
        `vs ejabberd, same run (${ejabberd ? fixed(ejabberd.deliveriesPerSecond) : 'n/a'}/s; goal 0.6x)`,
        'server CPU ms/envelope',
        'vs hand-written socket.io+pg',
        'vs Prosody 2-device',
        'p50/p99 ms send→both devices at max',
        'at half, right after max (goal p99 < 50)',
        'vs hand-written p99',
        'p50/p99 ms at quarter',
        `p50/p99 ms at ${GOAL_HALF_RATE}/s (goal p99 < 50)`,
        'left queued',
        'refused',
      ],
      throughput.map(([label, r]) => [
        label,
        fixed(r.maxEnvelopesPerSecond),
        ejabberd ? ratio(r.maxEnvelopesPerSecond, ejabberd.deliveriesPerSecond) : 'n/a',
        fixed(r.serverCpuMsPerEnvelope, 3),
        ratio(r.maxEnvelopesPerSecond, REFERENCE.handWrittenEnvelopesPerSecond),
        ratio(r.maxEnvelopesPerSecond, REFERENCE.prosodyTwoDeviceDeliveriesPerSecond),
        `${r.latencyAtMax.p50} / ${r.latencyAtMax.p99}`,
        `${r.latencyAtHalf.p50} / ${r.latencyAtHalf.p99}`,
        ratio(r.latencyAtHalf.p99, REFERENCE.handWrittenP99AtHalfMs),
        `${r.latencyAtQuarter.p50} / ${r.latencyAtQuarter.p99}`,
        `${r.latencyAtGoalHalf.p50} / ${r.latencyAtGoalHalf.p99}`,
        r.leftInQueues,
        r.refusedSends,
      ]),
    );
  if (relay.length)
    printTable(
      `Fan-outs to 2 offline devices by path, over HTTP: one at a time and ${IN_FLIGHT} in flight (medians of ${relayRounds} alternating rounds of ${relaySends} concurrent sends)`,
      [
        'deployment',
        'path',
        'µs per fan-out, one at a time',
        `µs per fan-out, ${IN_FLIGHT} in flight`,
        'server CPU µs per fan-out',
        'refused',
      ],
      relay.flatMap(([label, costs]) =>
        FANOUT_PATHS.map((path) => {
          const c = costs.get(path)!;
          return [label, path, fixed(c.sequentialMicros), fixed(c.concurrentMicros), fixed(c.serverCpuMicros), c.refused];
        }),
      ),
    );
  if (drains.length)
    printTable(
      `Offline drain: 20,000 envelopes queued for 200 devices, which then connect at once and ack everything (${throughputOptions.batch ? 'batched delivery' : 'one `message` per envelope, --single'})`,
      ['deployment', 'envelopes/s', 'vs ejabberd (14,200/s)', 'server CPU ms/envelope'],
      drains.map(([label, r]) => [
        label,
        fixed(r.envelopesPerSecond),
        ratio(r.envelopesPerSecond, REFERENCE.ejabberdOfflineDrainPerSecond),
        fixed(r.serverCpuMsPerEnvelope, 3),
      ]),
    );
  if (memory.length)
    printTable(
      `Server memory per idle connected device (${idle} devices, RSS delta of all server processes)`,
      ['deployment', 'KiB per connection', 'vs socket.io alone (17 KiB)', 'vs Prosody (37 KiB)'],
      memory.map(([label, bytes]) => [
        label,
        fixed(bytes / 1024, 1),
        ratio(bytes, REFERENCE.socketIoBytesPerIdleConnection),
        ratio(bytes, REFERENCE.prosodyBytesPerIdleConnection),
      ]),
    );
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
