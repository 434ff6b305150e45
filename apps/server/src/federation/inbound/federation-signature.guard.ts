import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { PARLEY_CONFIG } from '../../config/config.module';
import type { ParleyConfig } from '../../config/config';
import { ParleyException } from '../../common/parley.exception';
import { MetricsService } from '../../metrics/metrics.service';
import { Clock } from '../../common/clock';
import { NonceStore } from './nonce-store';
import { PeerDirectory } from '../outbound/peer-directory.service';
import { isFresh, parseSignatureHeaders, verifyRequest } from '../signature';

/** A request as the guard leaves it: once admitted, its verified origin and nonce (the response is signed over the nonce). */
export type SignedHttpRequest = Request & { rawBody?: Buffer; federationOrigin?: string; federationNonce?: string };

/**
 * Admits a server-to-server request only when it is signed by a configured
 * peer with its pinned key (or a key its rotation statements lead to from
 * the pinned one: PeerDirectory.refreshKey), fresh, addressed to this server and not seen
 * before; anything else is 401 (API.md section 5). Checks run cheapest
 * first, and the nonce is recorded last, so a forged request cannot use
 * up a nonce that a genuine one carries.
 */
@Injectable()
export class FederationSignatureGuard implements CanActivate {
  private readonly logger = new Logger(FederationSignatureGuard.name);

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly peers: PeerDirectory,
    private readonly nonces: NonceStore,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<SignedHttpRequest>();
    const headers = parseSignatureHeaders(request.headers);
    if (!headers.ok) return this.refuse('unsigned', headers.reason);
    const { origin, destination, timestamp, nonce, signature } = headers;
    const now = this.clock.now();
    if (!this.peers.find(origin)) return this.refuse('not_peer', `${origin} is not a peer of this server`);
    if (destination !== this.config.domain) return this.refuse('wrong_destination', `request is addressed to ${destination}`);
    if (!isFresh(timestamp, now)) return this.refuse('stale', 'request timestamp is outside the validity window');
    const key = await this.peers.publicKeyOf(origin);
    if (!key) return this.refuse('no_key', `the key of ${origin} is not known and could not be fetched`);
    const signed = {
      method: request.method,
      path: request.originalUrl,
      origin,
      destination,
      timestamp,
      nonce,
      body: request.rawBody ?? Buffer.alloc(0),
    };
    if (!verifyRequest(key, signed, signature)) {
      // Perhaps the peer rotated its key: admitted only if it publishes a valid chain of rotations from the pinned key.
      const rotated = await this.peers.refreshKey(origin, key);
      if (!rotated || !verifyRequest(rotated, signed, signature)) return this.refuse('bad_signature', `bad signature from ${origin}`);
    }
    if (!(await this.nonces.remember(origin, nonce, now))) return this.refuse('replayed', 'nonce already used');
    request.federationOrigin = origin;
    request.federationNonce = nonce;
    return true;
  }

  private refuse(reason: string, message: string): never {
    this.metrics.federationInbound.inc({ outcome: `rejected_${reason}` });
    this.logger.warn(`refused a federation request: ${message}`);
    throw ParleyException.unauthorized(message);
  }
}

/** The peer domain a request was verified to come from (set by FederationSignatureGuard). */
export const FederationOrigin = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string => context.switchToHttp().getRequest<SignedHttpRequest>().federationOrigin!,
);
