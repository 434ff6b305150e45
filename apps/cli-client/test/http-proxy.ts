import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

/** One request the CLI made through the proxy, with its JSON body (if any). */
export interface ProxiedRequest {
  method: string;
  path: string;
  body: any;
}

/** How the proxy lies; both hooks may be left out, and then it relays faithfully. */
export interface Forgery {
  /** Answers a request itself, without forwarding it to the server: a status and a JSON body, or null to forward. */
  answer?: (request: ProxiedRequest) => { status: number; body: unknown } | null;
  /** Rewrites the JSON body of a forwarded 200 answer (or resolves to the rewritten body). */
  rewrite?: (request: ProxiedRequest, body: any) => any;
}

/**
 * An HTTP relay to the test server that plays a malicious server: it can
 * rewrite answers (bundles, device lists) and invent answers of its own
 * (a 409 naming a device that does not exist). In front of a client it
 * plays the home server; in front of a peer (the other server's
 * PARLEY_PEERS pointing at it), the peer. HTTP only: the CLI commands
 * under test (`send`, `trust`, `fingerprint`) use no socket.
 */
export class HttpRewriteProxy {
  forgery: Forgery = {};
  readonly requests: ProxiedRequest[] = [];

  private constructor(
    private readonly server: Server,
    private readonly target: string,
  ) {}

  static async start(target: string): Promise<HttpRewriteProxy> {
    const server = createServer();
    const proxy = new HttpRewriteProxy(server, target);
    server.on('request', (req, res) => void proxy.handle(req, res).catch(() => res.writeHead(502).end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests since `from` (an index into `requests`) that match. */
  since(from: number, method: string, path: RegExp): ProxiedRequest[] {
    return this.requests.slice(from).filter((r) => r.method === method && path.test(r.path));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const request: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', body: text ? JSON.parse(text) : undefined };
    this.requests.push(request);

    const invented = this.forgery.answer?.(request);
    if (invented) return void res.writeHead(invented.status, { 'content-type': 'application/json' }).end(JSON.stringify(invented.body));

    const headers: Record<string, string> = {};
    // x-parley-*: a server's signed federation requests pass through too, when the proxy stands in front of a peer.
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === 'authorization' || name === 'content-type' || name.startsWith('x-parley-')) headers[name] = String(value);
    }
    const answer = await fetch(new URL(request.path, this.target), { method: request.method, headers, body: text || undefined });
    let body = await answer.text();
    if (answer.status === 200 && this.forgery.rewrite && body) body = JSON.stringify(await this.forgery.rewrite(request, JSON.parse(body)));
    res.writeHead(answer.status, body ? { 'content-type': 'application/json' } : {}).end(body || undefined);
  }
}
