import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG } from '../../config/config.module';
import type { ParleyConfig } from '../../config/config';
import { MetricsService } from '../../metrics/metrics.service';
import { Clock } from '../../common/clock';
import { PeersRepository } from './peers.repository';
import { PeerDirectory } from './peer-directory.service';
import { ServerKeyService } from './server-key.service';
import { newNonce, signRequest } from '../signature';

/** What a peer made of a request: an HTTP answer, or none at all (refused, reset, timed out). */
export type PeerAnswer =
  { reached: true; status: number; body: Record<string, unknown>; retryAfterMs?: number } | { reached: false; error: string };

/** A short name for what went wrong, for metrics, logs and the outbox's last_error. */
export const describeAnswer = (answer: PeerAnswer) => (answer.reached ? `http_${answer.status}` : answer.error);

/** The peer is up and speaks to us: anything but no answer, 5xx, or a refusal of our signature. */
const isHealthy = (answer: PeerAnswer) => answer.reached && answer.status < 500 && answer.status !== 401 && answer.status !== 403;

/** Peer status is written to the database at most this often per peer and process (the metrics are exact). */
const STATUS_WRITE_INTERVAL_MS = 10_000;

/** Signed server-to-server requests (docs/FEDERATION.md, "Request signatures"). */
@Injectable()
export class FederationClient {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly peers: PeerDirectory,
    private readonly serverKey: ServerKeyService,
    private readonly clock: Clock,
    private readonly repository: PeersRepository,
    private readonly metrics: MetricsService,
  ) {}

  private readonly lastStatusWrite = new Map<string, number>();

  /** POSTs a signed JSON body to a peer and records how the peer is doing. */
  async post(domain: string, path: string, payload: object): Promise<PeerAnswer> {
    const answer = await this.send(domain, path, payload);
    this.record(domain, answer);
    return answer;
  }

  /**
   * GETs one of a peer's public client routes (its key log's checkpoint
   * and proofs), unsigned: what it answers is signed or checkable on its
   * own. Records how the peer is doing, as post does.
   */
  async getPublic(domain: string, path: string): Promise<PeerAnswer> {
    const peer = this.peers.require(domain);
    const answer = await this.exchange(`${peer.baseUrl}${path}`, { method: 'GET' });
    this.record(domain, answer);
    return answer;
  }

  private send(domain: string, path: string, payload: object): Promise<PeerAnswer> {
    const peer = this.peers.require(domain);
    const body = Buffer.from(JSON.stringify(payload));
    const headers = signRequest(this.serverKey.key, {
      method: 'POST',
      path,
      origin: this.config.domain,
      destination: domain,
      timestamp: this.clock.now(),
      nonce: newNonce(),
      body,
    });
    return this.exchange(`${peer.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    });
  }

  /** One request with the federation timeout; the answer's body as a JSON object ({} when it is not one). */
  private async exchange(url: string, init: RequestInit): Promise<PeerAnswer> {
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.config.federationRequestTimeoutMs) });
      const text = await response.text();
      let parsed: unknown = {};
      try {
        parsed = text ? JSON.parse(text) : {};
      } catch {
        /* not JSON: keep {} */
      }
      const object = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
      const retryAfter = Number(response.headers.get('retry-after'));
      return { reached: true, status: response.status, body: object, ...(retryAfter > 0 && { retryAfterMs: retryAfter * 1000 }) };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { reached: false, error: (error as Error).name === 'TimeoutError' ? 'timeout' : (cause ?? (error as Error).message) };
    }
  }

  private record(domain: string, answer: PeerAnswer) {
    const now = this.clock.now();
    const healthy = isHealthy(answer);
    if (healthy) this.metrics.federationLastSuccess.set({ peer: domain }, Math.floor(now / 1000));
    else
      this.metrics.federationFailures.inc({
        peer: domain,
        reason: answer.reached ? describeAnswer(answer) : answer.error === 'timeout' ? 'timeout' : 'unreachable',
      });
    const key = `${domain}:${healthy}`;
    if (now - (this.lastStatusWrite.get(key) ?? 0) < STATUS_WRITE_INTERVAL_MS) return;
    this.lastStatusWrite.set(key, now);
    const write = healthy
      ? this.repository.recordPeerSuccess(domain, new Date(now))
      : this.repository.recordPeerFailure(domain, new Date(now), describeAnswer(answer));
    void write.catch(() => undefined);
  }
}
