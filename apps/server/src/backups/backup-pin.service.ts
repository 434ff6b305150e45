import { Injectable, OnModuleInit } from '@nestjs/common';
import * as opaque from '@serenity-kit/opaque';
import { BACKUP_PIN_GUESSES, ErrorCode, PinLoginFinishResponse, PinLoginStartResponse, PinRegistrationResponse } from '@parley/protocol';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { decodeBase64 } from '../common/base64-key.validator';
import { ParleyException } from '../common/parley.exception';
import { RateLimiterService } from '../limits/rate-limiter.service';
import { BackupPinsRepository } from './backup-pins.repository';
import { PinLoginFinishDto, PinLoginStartDto, PinRegistrationDto, SetPinDto } from './dto/backup-pin.dto';

/**
 * Backup PINs with OPAQUE (RFC 9807, @serenity-kit/opaque): the server
 * holds a registration record and the recovery key wrapped with the
 * export key of a login with the PIN, and never sees the PIN. Each login
 * start counts a guess before anything is answered; after
 * BACKUP_PIN_GUESSES without a right one the wrapped key is deleted.
 * docs/SECURITY.md says what the database and the OPAQUE setup together
 * still allow offline.
 */
@Injectable()
export class BackupPinService implements OnModuleInit {
  private serverSetup: string;
  /** A login request for no one, to check that a registration record parses before it is stored. */
  private probeLoginRequest: string;

  constructor(
    private readonly pins: BackupPinsRepository,
    private readonly limits: RateLimiterService,
  ) {}

  async onModuleInit() {
    await opaque.ready;
    this.serverSetup = await this.pins.findOrStoreSetup(opaque.server.createSetup());
    this.probeLoginRequest = opaque.client.startLogin({ password: 'probe' }).startLoginRequest;
  }

  async startRegistration(user: AuthenticatedUser, dto: PinRegistrationDto): Promise<PinRegistrationResponse> {
    await this.limits.enforce('backupWrite', user.accountId);
    const { registrationResponse } = this.opaqueStep(() =>
      opaque.server.createRegistrationResponse({
        serverSetup: this.serverSetup,
        userIdentifier: user.accountId,
        registrationRequest: dto.registrationRequest,
      }),
    );
    return { registrationResponse };
  }

  async setPin(user: AuthenticatedUser, dto: SetPinDto): Promise<void> {
    const wrappedKey = decodeBase64(dto.wrappedKey)!;
    if (wrappedKey.length === 0 || wrappedKey.length > 256) {
      throw new ParleyException(ErrorCode.ValidationFailed, 'wrappedKey is 1 to 256 bytes');
    }
    this.opaqueStep(() =>
      opaque.server.startLogin({
        serverSetup: this.serverSetup,
        registrationRecord: dto.registrationRecord,
        startLoginRequest: this.probeLoginRequest,
        userIdentifier: user.accountId,
      }),
    );
    await this.limits.enforce('backupWrite', user.accountId);
    await this.pins.upsert(user.accountId, dto.registrationRecord, wrappedKey);
  }

  async deletePin(user: AuthenticatedUser): Promise<void> {
    await this.limits.enforce('backupWrite', user.accountId);
    if (!(await this.pins.delete(user.accountId))) throw noPin();
  }

  /** Counts the guess first, so concurrent logins cannot pass the limit. */
  async startLogin(user: AuthenticatedUser, dto: PinLoginStartDto): Promise<PinLoginStartResponse> {
    await this.limits.enforce('backupRead', user.accountId);
    const registrationRecord = await this.pins.findRecord(user.accountId);
    if (!registrationRecord) throw noPin();
    const { loginResponse, serverLoginState } = this.opaqueStep(() =>
      opaque.server.startLogin({
        serverSetup: this.serverSetup,
        registrationRecord,
        startLoginRequest: dto.startLoginRequest,
        userIdentifier: user.accountId,
      }),
    );
    const attempts = await this.pins.countGuess(user.accountId, serverLoginState, BACKUP_PIN_GUESSES);
    if (attempts === null) {
      await this.pins.deleteIfExhausted(user.accountId, BACKUP_PIN_GUESSES);
      throw noPin();
    }
    return { loginResponse, attemptsLeft: BACKUP_PIN_GUESSES - attempts };
  }

  /** The wrapped key, once the login proves the PIN; a failed proof uses up the guess, and the last one deletes the PIN. */
  async finishLogin(user: AuthenticatedUser, dto: PinLoginFinishDto): Promise<PinLoginFinishResponse> {
    const serverLoginState = await this.pins.takeLoginState(user.accountId);
    if (!serverLoginState) throw new ParleyException(ErrorCode.InvalidCredentials, 'no PIN login in progress: start one first');
    try {
      opaque.server.finishLogin({ serverLoginState, finishLoginRequest: dto.finishLoginRequest });
    } catch {
      const deleted = await this.pins.deleteIfExhausted(user.accountId, BACKUP_PIN_GUESSES);
      throw new ParleyException(ErrorCode.InvalidCredentials, deleted ? 'wrong PIN; no guesses left, the PIN is deleted' : 'wrong PIN');
    }
    const wrappedKey = await this.pins.resetGuesses(user.accountId);
    if (!wrappedKey) throw noPin();
    return { wrappedKey: wrappedKey.toString('base64') };
  }

  /** Runs a server step on client input: a message the library cannot parse is the client's error, 400. */
  private opaqueStep<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      throw new ParleyException(ErrorCode.ValidationFailed, `not a valid OPAQUE message (${(error as Error).message ?? error})`);
    }
  }
}

const noPin = () =>
  new ParleyException(ErrorCode.NotFound, 'this account has no backup PIN (never set, or deleted after too many wrong guesses)');
