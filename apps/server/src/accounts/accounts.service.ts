import { Injectable } from '@nestjs/common';
import { ErrorCode, Limits } from '@parley/protocol';
import { ParleyException } from '../common/parley.exception';
import { AccountRow, AccountsRepository } from './accounts.repository';
import { CreateAccountDto } from './dto/create-account.dto';
import { hashPassword, verifyPassword } from './password-hasher';

@Injectable()
export class AccountsService {
  constructor(private readonly accounts: AccountsRepository) {}

  async register(dto: CreateAccountDto): Promise<{ username: string }> {
    const account = await this.accounts.insertAccount(dto.username, await hashPassword(dto.password));
    if (!account) throw new ParleyException(ErrorCode.UsernameTaken, 'username is taken');
    return { username: account.username };
  }

  /**
   * The account when the password matches; null otherwise, in about the
   * same time either way. A name no account can have is not looked up (it
   * could hold bytes the database refuses, such as NUL), but still costs a
   * password check.
   */
  async checkPassword(username: string, password: string): Promise<AccountRow | null> {
    const account = Limits.usernamePattern.test(username) ? await this.accounts.findByUsername(username) : null;
    return (await verifyPassword(account?.password_hash ?? null, password)) ? account : null;
  }

  findByUsername(username: string): Promise<AccountRow | null> {
    return this.accounts.findByUsername(username);
  }
}
