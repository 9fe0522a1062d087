/**
 * A first-in, first-out async lock: `run` calls execute one at a time, in call order.
 *
 * @example
 * const mutex = new Mutex();
 * await Promise.all([mutex.run(a), mutex.run(b)]); // b starts after a settles
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
