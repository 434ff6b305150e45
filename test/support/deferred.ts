/**
 * Controlled promises for unit tests that must not sleep: a fake database
 * call waits on a deferred until the test releases it.
 */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise continuation run (one macrotask turn; no timers involved). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
