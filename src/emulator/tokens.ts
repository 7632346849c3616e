// IMDSv2 session tokens: random opaque strings with an expiry. A lookup is one Map get and one
// comparison; expired tokens are swept now and then so the map stays small.
import { randomBytes } from 'node:crypto';

export const MIN_TOKEN_TTL_SECONDS = 1;
export const MAX_TOKEN_TTL_SECONDS = 21600;

/** Parses the TTL header strictly: a decimal integer 1..21600, else undefined (→ 400). */
export function parseTokenTtl(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string' || !/^\s*\d{1,6}\s*$/.test(header)) return undefined;
  const ttl = Number(header);
  return ttl >= MIN_TOKEN_TTL_SECONDS && ttl <= MAX_TOKEN_TTL_SECONDS ? ttl : undefined;
}

const SWEEP_THRESHOLD = 4096;

export class TokenStore {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Issues a token valid for ttlSeconds. Shaped like the real ones: base64 starting `AQAEA`. */
  issue(ttlSeconds: number): string {
    if (this.expiries.size >= SWEEP_THRESHOLD) this.sweep();
    const token = 'AQAEA' + randomBytes(39).toString('base64url');
    this.expiries.set(token, this.now() + ttlSeconds * 1000);
    return token;
  }

  isValid(token: string): boolean {
    const expiry = this.expiries.get(token);
    return expiry !== undefined && expiry > this.now();
  }

  /** Seconds left on a valid token (rounded down), or 0. */
  secondsLeft(token: string): number {
    const expiry = this.expiries.get(token);
    return expiry === undefined ? 0 : Math.max(0, Math.floor((expiry - this.now()) / 1000));
  }

  get size(): number {
    return this.expiries.size;
  }

  sweep(): void {
    const now = this.now();
    for (const [token, expiry] of this.expiries) if (expiry <= now) this.expiries.delete(token);
  }

  clear(): void {
    this.expiries.clear();
  }
}
