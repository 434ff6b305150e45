import { connectAll } from './clients';
import { Deployment, residentBytes } from './deployment';
import { createAccounts } from './population';

export interface IdleResult {
  connections: number;
  bytesPerConnection: number;
}

/**
 * Server resident memory per connected idle device: RSS of every server
 * process before and after `count` devices connect (spread over them),
 * after a pause for the heap to settle.
 */
export async function runIdleConnections(deployment: Deployment, count: number): Promise<IdleResult> {
  const perAccount = 125;
  const accounts = await createAccounts(deployment.servers[0].url, Math.ceil(count / perAccount), perAccount);
  const devices = accounts.flat().slice(0, count);
  const rss = () => deployment.servers.reduce((sum, s) => sum + residentBytes(s.process.pid!), 0);
  await new Promise((r) => setTimeout(r, 2000));
  const before = rss();
  const sockets = await connectAll(
    deployment.servers.map((s) => s.url),
    devices,
  );
  await new Promise((r) => setTimeout(r, 3000));
  const after = rss();
  sockets.forEach((s) => s.disconnect());
  return { connections: count, bytesPerConnection: (after - before) / count };
}
