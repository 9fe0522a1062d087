/** The gap handlers of an adapter: each called, none able to stop the others. */
export class GapHandlers {
  private readonly handlers: (() => void)[] = [];

  add(handler: () => void): void {
    this.handlers.push(handler);
  }

  fire(): void {
    for (const handler of this.handlers) {
      try {
        handler();
      } catch {
        // one failing handler must not keep the others from re-running their queries
      }
    }
  }
}
