// The pieces of the client that are pure: backoff arithmetic and the semaphore.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { backoffDelayMs } from '../../../src/imds/client';
import { Semaphore } from '../../../src/imds/semaphore';

describe('backoffDelayMs', () => {
  const limits = { baseMs: 100, maxMs: 1000 };
  it('doubles per attempt, capped, with half of it random', () => {
    assert.equal(backoffDelayMs(1, limits, undefined, () => 0), 50);
    assert.equal(backoffDelayMs(1, limits, undefined, () => 1), 100);
    assert.equal(backoffDelayMs(3, limits, undefined, () => 0), 200);
    assert.equal(backoffDelayMs(3, limits, undefined, () => 1), 400);
    assert.equal(backoffDelayMs(10, limits, undefined, () => 1), 1000);
    assert.equal(backoffDelayMs(10, limits, undefined, () => 0), 500);
  });
  it('spreads retries: different random draws give different delays', () => {
    const draws = new Set([0.1, 0.5, 0.9].map((r) => backoffDelayMs(2, limits, undefined, () => r)));
    assert.equal(draws.size, 3);
  });
  it('honours Retry-After up to the cap', () => {
    assert.equal(backoffDelayMs(1, limits, '0.7', () => 0), 700);
    assert.equal(backoffDelayMs(1, limits, ['30'], () => 0), 1000);
    assert.equal(backoffDelayMs(1, limits, 'soon', () => 0), 50);
  });
});

describe('Semaphore', () => {
  it('never lets more than its capacity through and serves urgent waiters first', async () => {
    const semaphore = new Semaphore(3, 1);
    const order: string[] = [];
    let running = 0;
    let peak = 0;
    const job = async (name: string, urgent: boolean) => {
      const release = await semaphore.acquire(urgent);
      running++;
      peak = Math.max(peak, running);
      order.push(name);
      await new Promise((r) => setImmediate(r));
      running--;
      release();
    };
    await Promise.all([job('v1', false), job('v2', false), job('v3', false), job('v4', false), job('d1', true)]);
    assert.equal(peak, 3);
    // Two value slots, one kept for listings: d1 gets in before v3 and v4 although it came later.
    assert.deepEqual(order.slice(0, 3), ['v1', 'v2', 'd1']);
    assert.equal(semaphore.inUse, 0);
  });
  it('ignores a second release of the same slot', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    release();
    release();
    assert.equal(semaphore.inUse, 0);
    await semaphore.acquire();
    assert.equal(semaphore.inUse, 1);
  });
  it('refuses a capacity below 1', () => {
    assert.throws(() => new Semaphore(0), RangeError);
  });
});
