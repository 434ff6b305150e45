import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, parseAddress } from '@parley/protocol';
import { ParleyException } from '../../common/parley.exception';
import { PARLEY_CONFIG } from '../../config/config.module';
import type { ParleyConfig } from '../../config/config';
import { PeerDirectory } from './peer-directory.service';

/** What to do with an address, depending on where its account lives. */
export interface AddressHandlers<T> {
  local(username: string): Promise<T>;
  remote(username: string, domain: string): Promise<T>;
}

/**
 * The one place that decides whether a client-supplied address is local
 * or on a peer. `alice` and `alice@<own domain>` name the same local
 * account (API.md, Conventions); a malformed address is 404
 * unknown_address, a domain this server does not federate with 404
 * unknown_peer.
 */
@Injectable()
export class AddressRouter {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly peers: PeerDirectory,
  ) {}

  async dispatch<T>(address: string, handlers: AddressHandlers<T>): Promise<T> {
    const parsed = parseAddress(address);
    if (!parsed) throw new ParleyException(ErrorCode.UnknownAddress, `not a valid address: ${address}`);
    if (parsed.domain === null || parsed.domain === this.config.domain) return handlers.local(parsed.username);
    this.peers.require(parsed.domain);
    return handlers.remote(parsed.username, parsed.domain);
  }
}
