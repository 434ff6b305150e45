import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, parseAddress } from '@parley/protocol';
import { AccountsRepository } from '../accounts/accounts.repository';
import { ParleyException } from '../common/parley.exception';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';

/** An address as this server sees it: domain null means a local account. */
export interface ResolvedAddress { username: string; domain: string | null }

/**
 * Parses client-supplied addresses. `alice` and `alice@<own domain>` name
 * the same local account (API.md, Conventions).
 */
@Injectable()
export class AddressResolver {
  constructor(@Inject(PARLEY_CONFIG) private readonly config: ParleyConfig, private readonly accounts: AccountsRepository) {}

  parse(address: string): ResolvedAddress {
    const parsed = parseAddress(address);
    if (!parsed) throw ParleyException.notFound(ErrorCode.UnknownAddress, `not a valid address: ${address}`);
    const domain = parsed.domain === this.config.domain ? null : parsed.domain;
    return { username: parsed.username, domain };
  }

  async requireLocalAccountId(username: string): Promise<string> {
    const account = await this.accounts.findByUsername(username);
    if (!account) throw ParleyException.notFound(ErrorCode.UnknownAddress, `unknown address ${username}`);
    return account.id;
  }
}
