// Ranges for every duration and count the emulator takes (flags, config keys, runtime API).
// Node's timers hold 32-bit milliseconds: a longer delay silently fires after 1 ms, and a date
// past year 275760 throws `Invalid time value` inside a request. Refusing them at startup, with
// the flag or key named, is the only place the person can still act on it.

/** The longest delay a Node timer can hold (2^31 − 1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The same bound in whole seconds, for every `…Seconds` option. */
export const MAX_DURATION_SECONDS = Math.floor(MAX_TIMER_MS / 1000);
/** Requests per second the throttle fault can count (beyond it, throttling means nothing). */
export const MAX_THROTTLE_RPS = 1_000_000;

/** A setting (flag, config key, scenario option, fault) outside its range: exit code 2, not 1. */
export class EmulatorSettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmulatorSettingError';
  }
}

/** Why a number of seconds is out of range, or undefined when it is fine. */
export function durationSecondsProblem(value: unknown, min = 0): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_DURATION_SECONDS) {
    return `must be a number of seconds ${min}..${MAX_DURATION_SECONDS} (about 24.8 days, the longest timer Node can hold) (got ${JSON.stringify(value) ?? String(value)})`;
  }
  return undefined;
}

/** Why a number of milliseconds is out of range, or undefined when it is fine. */
export function durationMsProblem(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
    return `must be a number of milliseconds 0..${MAX_TIMER_MS} (the longest timer Node can hold) (got ${JSON.stringify(value) ?? String(value)})`;
  }
  return undefined;
}

/** setTimeout that refuses, rather than silently shortens, a delay a timer cannot hold. */
export function boundedTimeout(callback: () => void, ms: number): NodeJS.Timeout {
  if (!(ms >= 0 && ms <= MAX_TIMER_MS)) throw new RangeError(`A timer of ${ms} ms is beyond Node's limit of ${MAX_TIMER_MS} ms.`);
  return setTimeout(callback, ms);
}
