// A counting semaphore with two waiting lines. A crawl gives listings priority over values, and
// keeps a slot or two for them: a listing unlocks more work, so it must never queue behind a
// value; that keeps the crawl's critical path (the tree's depth) short.

export class Semaphore {
  private available: number;
  private readonly reserved: number;
  private readonly urgent: Array<() => void> = [];
  private readonly normal: Array<() => void> = [];

  /** `reservedForUrgent` slots are only ever given to urgent callers (default: 2, fewer when small). */
  constructor(readonly capacity: number, reservedForUrgent = Math.min(2, capacity - 1)) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Concurrency must be a whole number of at least 1 (got ${capacity}).`);
    this.available = capacity;
    this.reserved = Math.max(0, Math.min(reservedForUrgent, capacity - 1));
  }

  /** Resolves when a slot is free; the caller must call the returned release exactly once. */
  acquire(urgent = false): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.release();
        });
      };
      if (this.available > (urgent ? 0 : this.reserved)) {
        this.available--;
        grant();
      } else {
        (urgent ? this.urgent : this.normal).push(grant);
      }
    });
  }

  /** Slots in use right now. */
  get inUse(): number {
    return this.capacity - this.available;
  }

  private release(): void {
    this.available++;
    const next = this.urgent.length > 0 ? this.urgent.shift() : this.available > this.reserved ? this.normal.shift() : undefined;
    if (next) {
      this.available--;
      next();
    }
  }
}
