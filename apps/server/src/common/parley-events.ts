import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { KeyCountResponse } from '@parley/protocol';

/** Events one feature raises and another (the socket gateway) acts on, without importing each other. */
export interface ParleyEventMap {
  /** A device's one-time keys of either kind fell below the threshold. */
  keysLow: [accountId: string, deviceId: number, counts: KeyCountResponse];
  /** A device was removed: its sockets must go at once. */
  deviceRemoved: [accountId: string, deviceId: number];
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
