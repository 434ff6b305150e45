import { Injectable } from '@nestjs/common';

/**
 * The time as federation sees it: signature freshness, outbox backoff and
 * expiry. Injected, so tests can move time instead of sleeping.
 */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock that only moves when told to (tests). */
export class ManualClock extends Clock {
  constructor(private current = Date.now()) { super(); }
  now() { return this.current; }
  advance(ms: number) { this.current += ms; }
}
