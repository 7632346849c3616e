// Keeps a batch of EC2 mutations below the account's API rate limit: a token bucket (EC2 meters
// mutating actions with a bucket that refills a few tokens a second) plus a shared pause that every
// worker honours after a RequestLimitExceeded, so one throttled call slows the whole batch down.
import { pause } from '../aws/pause';

export interface PacerOptions {
  /** Sustained requests a second (default 5: EC2's refill rate for mutating actions). */
  ratePerSecond?: number;
  /** Requests allowed at once from a full bucket (default 20, well under EC2's bucket). */
  burst?: number;
}

export class Pacer {
  private readonly rate: number;
  private readonly burst: number;
  private tokens: number;
  private refilledAt = Date.now();
  private pausedUntil = 0;

  constructor(options: PacerOptions = {}) {
    this.rate = Math.max(0.1, options.ratePerSecond ?? 5);
    this.burst = Math.max(1, options.burst ?? 20);
    this.tokens = this.burst;
  }

  /** Resolves when one more request may go out; rejects when `signal` aborts while waiting. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      if (now < this.pausedUntil) {
        await pause(this.pausedUntil - now, signal);
        continue;
      }
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.rate);
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await pause(Math.ceil(((1 - this.tokens) / this.rate) * 1000), signal);
    }
  }

  /** After a throttling answer: everyone waits `ms`, and the bucket starts empty again. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
    this.tokens = 0;
  }
}

