/**
 * A first-in, first-out async lock: `run` calls execute one at a time, in call order.
 *
 * @example
 * const mutex = new Mutex();
 * await Promise.all([mutex.run(a), mutex.run(b)]); // b starts after a settles
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;

  /** Calls running or waiting. */
  get pending(): number {
    return this.#pending;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(fn).finally(() => {
      this.#pending--;
    });
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
