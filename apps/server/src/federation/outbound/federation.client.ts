import { Inject, Injectable, Logger } from '@nestjs/common';
import { PARLEY_CONFIG } from '../../config/config.module';
import type { ParleyConfig } from '../../config/config';
import { MetricsService } from '../../metrics/metrics.service';
import { Clock } from '../../common/clock';
import { PeersRepository } from './peers.repository';
import { PeerDirectory } from './peer-directory.service';
import { ServerKeyService } from './server-key.service';
import { FederationHeader, newNonce, signRequest, verifyResponse } from '../signature';

/**
 * What a peer made of a request: an HTTP answer, or none at all (refused,
 * reset, timed out, or an answer that is not the peer's: see `verified`).
 * `error` is a short fixed name (a metric label); `detail` adds what an
 * operator needs beside it.
 */
export type PeerAnswer =
  | { reached: true; status: number; body: Record<string, unknown>; retryAfterMs?: number }
  | { reached: false; error: string; detail?: string };

/** An HTTP answer before it is checked: its status, headers and exact body bytes. */
type RawAnswer = { reached: true; status: number; headers: Headers; bytes: Buffer } | Extract<PeerAnswer, { reached: false }>;

/** A short name for what went wrong, for metrics, logs and the outbox's last_error. */
export const describeAnswer = (answer: PeerAnswer) =>
  answer.reached ? `http_${answer.status}` : answer.detail ? `${answer.error} (${answer.detail})` : answer.error;

/** Failure reasons that are metric labels as they are; any other missing answer counts as `unreachable`. */
const NO_ANSWER_REASONS = new Set(['timeout', 'bad_response_signature', 'no_peer_key']);

/** The peer is up and speaks to us: anything but no answer, 5xx, or a refusal of our signature. */
const isHealthy = (answer: PeerAnswer) => answer.reached && answer.status < 500 && answer.status !== 401 && answer.status !== 403;

/** Peer status is written to the database at most this often per peer and process (the metrics are exact). */
const STATUS_WRITE_INTERVAL_MS = 10_000;

/**
 * Signed server-to-server requests whose answers must be signed too
 * (docs/FEDERATION.md, "Request signatures", "Response signatures").
 */
@Injectable()
export class FederationClient {
  private readonly logger = new Logger(FederationClient.name);

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
    const answer = parse(await this.exchange(`${peer.baseUrl}${path}`, { method: 'GET' }));
    this.record(domain, answer);
    return answer;
  }

  private async send(domain: string, path: string, payload: object): Promise<PeerAnswer> {
    const peer = this.peers.require(domain);
    const body = Buffer.from(JSON.stringify(payload));
    const nonce = newNonce();
    const headers = signRequest(this.serverKey.key, {
      method: 'POST',
      path,
      origin: this.config.domain,
      destination: domain,
      timestamp: this.clock.now(),
      nonce,
      body,
    });
    const raw = await this.exchange(`${peer.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    });
    return raw.reached ? this.verified(domain, nonce, raw) : raw;
  }

  /**
   * The answer, if the peer signed it for this request's nonce with its
   * pinned (or configured) key. Anything else, an unsigned answer
   * included, may come from whoever sits on the path, so it counts as no
   * answer at all: a send stays in the outbox, a bundle fetch is 503.
   */
  private async verified(domain: string, nonce: string, raw: Extract<RawAnswer, { reached: true }>): Promise<PeerAnswer> {
    const key = await this.peers.publicKeyOf(domain);
    if (!key) return { reached: false, error: 'no_peer_key', detail: `http_${raw.status}` };
    const signature = raw.headers.get(FederationHeader.responseSignature);
    const response = { responder: domain, requester: this.config.domain, nonce, status: raw.status, body: raw.bytes };
    if (signature && verifyResponse(key, response, signature)) return parse(raw);
    // Signed, but not with the pinned key: perhaps the peer rotated its key, which is followed only through a valid chain.
    if (signature) {
      const rotated = await this.peers.refreshKey(domain, key);
      if (rotated && verifyResponse(rotated, response, signature)) return parse(raw);
    }
    const detail = `${signature ? 'badly signed' : 'unsigned'} http_${raw.status}`;
    this.metrics.federationResponseSignatureFailures.inc({ peer: domain });
    void this.repository.recordResponseSignatureFailure(domain).catch(() => undefined);
    this.logger.warn(`refused an answer from peer ${domain} (${detail}): not signed by its key for this request`);
    return { reached: false, error: 'bad_response_signature', detail };
  }

  /** One request with the federation timeout; the answer with its exact body bytes. */
  private async exchange(url: string, init: RequestInit): Promise<RawAnswer> {
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.config.federationRequestTimeoutMs) });
      return { reached: true, status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
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
        reason: answer.reached ? describeAnswer(answer) : NO_ANSWER_REASONS.has(answer.error) ? answer.error : 'unreachable',
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

/** The answer's body as a JSON object ({} when it is not one). */
function parse(raw: RawAnswer): PeerAnswer {
  if (!raw.reached) return raw;
  let parsed: unknown = {};
  try {
    parsed = raw.bytes.length ? JSON.parse(raw.bytes.toString('utf8')) : {};
  } catch {
    /* not JSON: keep {} */
  }
  const body = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const retryAfter = Number(raw.headers.get('retry-after'));
  return { reached: true, status: raw.status, body, ...(retryAfter > 0 && { retryAfterMs: retryAfter * 1000 }) };
}
