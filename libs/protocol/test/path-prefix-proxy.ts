import { IncomingMessage, Server, createServer, request } from 'node:http';
import { AddressInfo, Socket, connect } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * A reverse proxy that serves the server under a path, as nginx would with
 * `location /parley/ { proxy_pass http://server/; }`: HTTP and websocket
 * upgrades under the prefix are relayed with the prefix stripped, and
 * anything else is a 404, so a client that drops the path fails visibly.
 */
export class PathPrefixProxy {
  private readonly upgraded = new Set<Duplex>();

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
    readonly prefix: string,
  ) {}

  static async start(target: string, prefix = '/parley'): Promise<PathPrefixProxy> {
    const proxy = new PathPrefixProxy(createServer(), new URL(target), prefix);
    proxy.server.on('request', (req, res) => {
      const path = proxy.strip(req);
      if (path === null) return void res.writeHead(404).end();
      const upstream = request(
        { host: proxy.target.hostname, port: proxy.target.port, method: req.method, path, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    proxy.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => proxy.relayUpgrade(req, socket, head));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The server's base URL through the proxy, path included. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${this.prefix}`;
  }

  close(): Promise<void> {
    for (const socket of this.upgraded) socket.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private strip(req: IncomingMessage): string | null {
    const url = req.url ?? '/';
    return url.startsWith(`${this.prefix}/`) ? url.slice(this.prefix.length) : null;
  }

  private relayUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = this.strip(req);
    if (path === null) return void socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    const upstream: Socket = connect(Number(this.target.port), this.target.hostname, () => {
      const headers = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${req.method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    for (const end of [socket, upstream]) {
      this.upgraded.add(end);
      end.on('error', () => {
        socket.destroy();
        upstream.destroy();
      });
      end.on('close', () => this.upgraded.delete(end));
    }
  }
}
