import { ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@parley/testkit';

/** Private, disposable Redis servers for tests that take Redis away or need a cluster: nobody else's keys are touched. */

const run = promisify(execFile);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Which of redis-server and redis-cli are not on PATH. */
export const missingRedisTools = (): string[] => ['redis-server', 'redis-cli'].filter((tool) => spawnSync(tool, ['--version']).error);

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = connect(port, '127.0.0.1', () => {
      c.end();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });

/** redis-server on 127.0.0.1:`port` without persistence, once it accepts connections. */
export async function startRedisServer(port: number, extraArgs: string[] = []): Promise<ChildProcess> {
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], {
    stdio: 'ignore',
  });
  let failed: Error | undefined;
  redis.once('error', (error) => {
    failed = error;
  });
  for (let i = 0; i < 100 && !failed; i++) {
    if (await accepts(port)) return redis;
    await pause(50);
  }
  redis.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${port}${failed ? `: ${failed.message}` : ''}`);
}

const stopped = (redis: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (redis.exitCode !== null || redis.signalCode !== null) return resolve();
    redis.once('exit', () => resolve());
    redis.kill('SIGTERM');
  });

export interface TestRedisCluster {
  /** REDIS_CLUSTER_NODES for it. */
  nodes: string;
  ports: number[];
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `size` masters without replicas on free loopback
 * ports, its node files in a temp dir; resolves once every node reports
 * cluster_state:ok. Each node's bus port is chosen free too, rather than
 * Redis's default of port + 10000, which may be taken or above 65535.
 */
export async function startRedisCluster(size = 3): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-cluster-'));
  const ports: number[] = [];
  const servers: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map(stopped));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < size; i++) {
      const [port, busPort] = [await freePort(), await freePort()];
      servers.push(
        await startRedisServer(port, [
          ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${i}.conf`)],
          ...['--cluster-port', String(busPort), '--dir', dir],
        ]),
      );
      ports.push(port);
    }
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of ports) {
      for (let i = 0; ; i++) {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        if (/^cluster_state:ok\r?$/m.test(stdout)) break;
        if (i === 200) throw new Error(`the node on port ${port} never reported cluster_state:ok`);
        await pause(50);
      }
    }
    return { nodes: nodes.join(','), ports, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
