import type { KeyObject } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { FederationHeader, signResponse } from '../../apps/server/src/federation/signature';

/** One request the CLI made through the proxy, with its JSON body (if any). */
export interface ProxiedRequest {
  method: string;
  path: string;
  body: any;
}

/** How the proxy lies; every part may be left out, and then it relays faithfully. */
export interface Forgery {
  /**
   * Answers a request itself, without forwarding it to the server: a
   * status, a JSON body and extra headers (e.g. a response signature taken
   * from another answer), or null to forward.
   */
  answer?: (request: ProxiedRequest) => { status: number; body: unknown; headers?: Record<string, string> } | null;
  /** Rewrites the JSON body of a forwarded 200 answer (or resolves to the rewritten body). */
  rewrite?: (request: ProxiedRequest, body: any) => any;
  /**
   * In front of a peer: the key it signs the answers it invents or
   * rewrites with, for the request they answer (docs/FEDERATION.md,
   * "Response signatures"). The peer's own key plays a malicious peer;
   * another key, an impostor. Without it they carry no signature, or the
   * peer's signature of the original answer.
   */
  signWith?: KeyObject;
}

/**
 * An HTTP relay to the test server that plays a malicious server: it can
 * rewrite answers (bundles, device lists) and invent answers of its own
 * (a 409 naming a device that does not exist). In front of a client it
 * plays the home server; in front of a peer (the other server's
 * PARLEY_PEERS pointing at it), the peer, or, without the peer's key, an
 * impostor on the path. HTTP only: the CLI commands under test (`send`,
 * `trust`, `fingerprint`) use no socket.
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
    if (invented) {
      const body = JSON.stringify(invented.body);
      const headers = { 'content-type': 'application/json', ...invented.headers, ...this.signed(req, invented.status, body) };
      return void res.writeHead(invented.status, headers).end(body);
    }

    const headers: Record<string, string> = {};
    // x-parley-*: a server's signed federation requests pass through too, when the proxy stands in front of a peer.
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === 'authorization' || name === 'content-type' || name.startsWith('x-parley-')) headers[name] = String(value);
    }
    const answer = await fetch(new URL(request.path, this.target), { method: request.method, headers, body: text || undefined });
    let body = await answer.text();
    const back: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
    // And the peer's response signature back.
    answer.headers.forEach((value, name) => {
      if (name.startsWith('x-parley-')) back[name] = value;
    });
    if (answer.status === 200 && this.forgery.rewrite && body) {
      body = JSON.stringify(await this.forgery.rewrite(request, JSON.parse(body)));
      Object.assign(back, this.signed(req, answer.status, body));
    }
    res.writeHead(answer.status, back).end(body || undefined);
  }

  /** The response signature of a made-up answer, when the forgery signs (signWith) and the request was a signed one. */
  private signed(req: IncomingMessage, status: number, body: string): Record<string, string> {
    const [responder, requester, nonce] = [FederationHeader.destination, FederationHeader.origin, FederationHeader.nonce].map((h) =>
      String(req.headers[h] ?? ''),
    );
    if (!this.forgery.signWith || !nonce) return {};
    const signature = signResponse(this.forgery.signWith, { responder, requester, nonce, status, body: Buffer.from(body) });
    return { [FederationHeader.responseSignature]: signature };
  }
}
