import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@parley/protocol';
import type { DeviceListEntry, SignedDeviceList } from '@parley/protocol';
import { verifyDeviceListSignature } from '@parley/crypto/account-identity';
import { Clock } from '../common/clock';
import { ExpiringMap } from '../common/expiring-map';
import { ParleyException } from '../common/parley.exception';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import type { Tx } from '../database/database.service';
import { KeyLogService } from '../transparency/key-log.service';
import { AccountIdentityRepository, AccountListState, SigningState } from './account-identity.repository';
import { checkAccountReset } from './account-reset';
import { checkDeviceListChange, ListChange, ListChangeProblem } from './device-list-change';

/** Lists kept for bundle fetches: the accounts fetched most recently, each for ten minutes after it was last read from the database. */
const SERVED_LISTS_KEPT = 10_000;
const SERVED_LIST_TTL_MS = 600_000;

/**
 * The server's side of signed device lists (docs/SECURITY.md): a device
 * is added or removed only together with a list the account identity
 * signed for exactly that change, and the list is served as signed. The
 * server cannot make a client accept a device it invented; it can only
 * refuse changes.
 */
@Injectable()
export class DeviceListService {
  private readonly servedLists: ExpiringMap<SignedDeviceList>;

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly repository: AccountIdentityRepository,
    private readonly keyLog: KeyLogService,
    private readonly clock: Clock,
  ) {
    this.servedLists = new ExpiringMap(clock, SERVED_LISTS_KEPT);
  }

  /** Locks the account for a list change inside `tx` and returns its state (next device id included). */
  lockForChange(accountId: string, tx: Tx): Promise<AccountListState> {
    return this.repository.lockListState(accountId, tx);
  }

  /**
   * Checks `proposed` against the locked `state` and this change, then
   * stores it and records it in the key log's outbox (both in `tx`: no
   * list takes effect unlogged). Throws 400 invalid_device_list or invalid_signature, or 409
   * stale_device_list (another change won the race: fetch and sign again);
   * the caller's transaction then rolls back and nothing is stored.
   */
  async applyChange(
    account: { accountId: string; username: string },
    state: AccountListState,
    change: ListChange,
    proposed: SignedDeviceList,
    tx: Tx,
  ): Promise<void> {
    const context = { ...this.listContext(account, state), devices: state.devices };
    this.accept(checkDeviceListChange(context, change, proposed), proposed);
    await this.repository.storeDeviceList(account.accountId, proposed, tx);
    await this.keyLog.record(proposed, tx);
  }

  /**
   * An account reset (docs/SECURITY.md): `proposed` is signed by a new
   * account identity and lists only `newDevice`. Checks it like
   * applyChange, then stores it with the new identity in place of the old.
   */
  async applyReset(
    account: { accountId: string; username: string },
    state: AccountListState,
    newDevice: DeviceListEntry,
    proposed: SignedDeviceList,
    tx: Tx,
  ): Promise<void> {
    this.accept(checkAccountReset({ ...this.listContext(account, state), newDevice }, proposed), proposed);
    await this.repository.storeDeviceList(account.accountId, proposed, tx, { replaceIdentity: true });
    await this.keyLog.record(proposed, tx);
  }

  /**
   * After the transaction of applyChange or applyReset committed: waits
   * until the list's leaf is in a signed checkpoint (at most one
   * checkpoint interval), so the bundles that follow carry its proof.
   */
  awaitLogged(): Promise<void> {
    return this.keyLog.awaitRecorded();
  }

  private listContext(account: { username: string }, state: AccountListState) {
    return {
      address: `${account.username}@${this.config.domain}`,
      accountIdentityKey: state.identityKey?.toString('base64') ?? null,
      version: state.version,
    };
  }

  /** Throws the rule's problem, else 400 invalid_signature unless the list is signed by the identity it names. */
  private accept(problem: ListChangeProblem | null, proposed: SignedDeviceList): void {
    if (problem) throw new ParleyException(problem.code, problem.message, problem.extra);
    if (!verifyDeviceListSignature(proposed)) {
      throw new ParleyException(ErrorCode.InvalidSignature, 'the device list is not signed by its account identity key');
    }
  }

  /**
   * The account's list of `version` (as a bundle claim read it), from
   * memory when this process has served that version before: a list of a
   * version never changes, so only a new version costs a query. Another
   * process's change shows as a new version in the claim.
   */
  async findListAt(accountId: string, version: number | null): Promise<SignedDeviceList | null> {
    if (version === null) return null;
    const cached = this.servedLists.get(accountId);
    if (cached?.version === version) return cached;
    const list = await this.repository.findDeviceList(accountId);
    if (list) this.servedLists.set(accountId, list, this.clock.now() + SERVED_LIST_TTL_MS);
    return list;
  }

  /** GET /v1/devices and GET /v1/account/reset: the current list and the next device id, for signing the next list. */
  findSigningState(accountId: string): Promise<SigningState> {
    return this.repository.findSigningState(accountId);
  }
}
