import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { Response } from 'express';
import { PARLEY_CONFIG } from '../../config/config.module';
import type { ParleyConfig } from '../../config/config';
import { ServerKeyService } from '../outbound/server-key.service';
import { FederationHeader, signResponse } from '../signature';
import type { SignedHttpRequest } from './federation-signature.guard';

/**
 * Signs every answer to an admitted federation request (docs/FEDERATION.md,
 * "Response signatures"), errors included, so that the asking server can
 * tell this server's answer from one invented or altered on the path.
 * It wraps `res.end` because that is the one place that sees the status
 * and the exact body bytes of every answer, whether a controller or the
 * exception filter wrote it. Answers to requests the guard did not admit
 * carry no nonce to sign for and stay unsigned: signing them would sign
 * answers to whatever anyone sends.
 */
@Injectable()
export class ResponseSignatureMiddleware implements NestMiddleware {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly serverKey: ServerKeyService,
  ) {}

  use(request: SignedHttpRequest, response: Response, next: () => void) {
    const end = response.end.bind(response) as (...args: unknown[]) => Response;
    response.end = ((...args: unknown[]) => {
      const { federationOrigin: requester, federationNonce: nonce } = request;
      if (requester && nonce && !response.headersSent) {
        const [chunk, encoding] = args;
        const body =
          typeof chunk === 'string'
            ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
            : chunk instanceof Uint8Array
              ? Buffer.from(chunk)
              : Buffer.alloc(0);
        response.setHeader(
          FederationHeader.responseSignature,
          signResponse(this.serverKey.key, { responder: this.config.domain, requester, nonce, status: response.statusCode, body }),
        );
      }
      return end(...args);
    }) as Response['end'];
    next();
  }
}
