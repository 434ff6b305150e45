import { AddressInfo, Server, Socket, connect, createServer } from 'node:net';

/**
 * A TCP relay to the test server whose link can be cut and restored, to
 * show what a client does when its network goes away: while cut, open
 * connections are reset and new ones are refused at once.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private cut = false;
  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server);
    server.on('connection', (client) => proxy.relay(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  disconnect(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  reconnect(): void {
    this.cut = false;
  }

  close(): Promise<void> {
    this.disconnect();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket, targetPort: number): void {
    if (this.cut) return void client.resetAndDestroy();
    const upstream = connect(targetPort, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ]) {
      this.sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  }
}
