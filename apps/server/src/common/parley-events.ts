import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { ClosingNotice, KeyCountResponse } from '@parley/protocol';

/** Events one feature raises and another (the socket gateway) acts on, without importing each other. */
export interface ParleyEventMap {
  /** A device's one-time keys of either kind fell below the threshold. */
  keysLow: [accountId: string, deviceId: number, counts: KeyCountResponse];
  /** Sessions ended (logout, refresh-token reuse, device removal): sockets opened with their tokens must go at once. */
  sessionsEnded: [accountId: string, deviceId: number | null, sessionIds: string[], reason: ClosingNotice['reason']];
}

@Injectable()
export class ParleyEvents {
  private readonly emitter = new EventEmitter();

  emit<K extends keyof ParleyEventMap>(event: K, ...args: ParleyEventMap[K]) {
    this.emitter.emit(event, ...args);
  }

  on<K extends keyof ParleyEventMap>(event: K, listener: (...args: ParleyEventMap[K]) => void) {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
  }
}
