import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { LoginAttempts } from '../auth/login-attempts';
import { RevocationList } from '../auth/revocation-list';
import { Clock } from '../common/clock';
import { PARLEY_CONFIG } from '../config/config.module';
import { DatabaseService } from '../database/database.service';
import { DeliveryBus } from '../delivery/delivery-bus';
import { NonceStore } from '../federation/inbound/nonce-store';
import { BucketStore } from '../limits/bucket-store';
import { WakeUpCoalescer } from '../push/wake-up-coalescer';
import { createSharedState, SharedState } from './shared-state.factory';

export const SHARED_STATE = Symbol('SHARED_STATE');

const part = <T>(token: abstract new (...args: never[]) => T, pick: (state: SharedState) => T) => ({
  provide: token,
  inject: [SHARED_STATE],
  useFactory: pick,
});

/**
 * State every process of a deployment shares: the delivery bus, which
 * devices are connected, wake-up claims, rate-limit
 * buckets, login attempts, the revocation list and federation nonces,
 * each provided under its abstract class. Global because it is
 * infrastructure, like the database.
 */
@Global()
@Module({
  providers: [
    { provide: SHARED_STATE, inject: [PARLEY_CONFIG, DatabaseService, Clock], useFactory: createSharedState },
    part(DeliveryBus, (s) => s.deliveryBus),
    part(WakeUpCoalescer, (s) => s.wakeUpCoalescer),
    part(BucketStore, (s) => s.buckets),
    part(LoginAttempts, (s) => s.loginAttempts),
    part(RevocationList, (s) => s.revocations),
    part(NonceStore, (s) => s.nonces),
  ],
  exports: [SHARED_STATE, DeliveryBus, WakeUpCoalescer, BucketStore, LoginAttempts, RevocationList, NonceStore],
})
export class SharedStateModule implements OnApplicationShutdown {
  constructor(@Inject(SHARED_STATE) private readonly state: SharedState) {}

  async onApplicationShutdown() {
    await this.state.close();
  }
}
