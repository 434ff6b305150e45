import { Injectable } from '@nestjs/common';

/**
 * The server's time: message expiry, token lifetimes, throttles, peer key
 * caches, signature freshness, outbox backoff. Injected everywhere instead
 * of Date.now(), so tests move time instead of sleeping.
 */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock that only moves when told to (tests). */
export class ManualClock extends Clock {
  constructor(private current = Date.now()) {
    super();
  }
  now() {
    return this.current;
  }
  advance(ms: number) {
    this.current += ms;
  }
}
