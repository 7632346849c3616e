// The switch every local AWS endpoint offers to tests: "the next N calls of this operation fail
// with this error" (failNext). One queue per operation, in the order the faults were added.
export class FaultQueue<F> {
  private readonly queues = new Map<string, { fault: F; remaining: number }[]>();

  /** The next `times` calls of `operation` answer `fault`, after the faults already queued for it. */
  add(operation: string, fault: F, times = 1): void {
    const queue = this.queues.get(operation) ?? [];
    queue.push({ fault, remaining: times });
    this.queues.set(operation, queue);
  }

  /** The fault this call of `operation` answers, if one is queued; it counts as used. */
  take(operation: string): F | undefined {
    const queue = this.queues.get(operation);
    if (!queue?.length) return undefined;
    const head = queue[0];
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.fault;
  }

  clear(): void {
    this.queues.clear();
  }
}
