// IMDSv2 session tokens: random opaque strings with an expiry. A lookup is one Map get and one
// comparison; expired tokens are swept every minute (by the server) and when the store is full.
import { randomBytes } from 'node:crypto';

export const MIN_TOKEN_TTL_SECONDS = 1;
export const MAX_TOKEN_TTL_SECONDS = 21600;

/**
 * Parses the TTL header strictly: a decimal integer 1..21600 without leading zeros, else
 * undefined (→ 400). One rule for every spelling: `021600` and `0000060` are both refused.
 */
export function parseTokenTtl(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string' || !/^\s*[1-9]\d{0,4}\s*$/.test(header)) return undefined;
  const ttl = Number(header);
  return ttl >= MIN_TOKEN_TTL_SECONDS && ttl <= MAX_TOKEN_TTL_SECONDS ? ttl : undefined;
}

/** Past this many live tokens the oldest is forgotten: memory stays bounded under any client. */
const MAX_TOKENS = 100_000;

export class TokenStore {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Issues a token valid for ttlSeconds. Shaped like the real ones: base64 starting `AQAEA`. */
  issue(ttlSeconds: number): string {
    if (this.expiries.size >= MAX_TOKENS) {
      this.sweep();
      // Map order is issue order: the first key is the oldest token.
      if (this.expiries.size >= MAX_TOKENS) this.expiries.delete(this.expiries.keys().next().value as string);
    }
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
