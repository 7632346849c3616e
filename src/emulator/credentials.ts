// Temporary credentials as IMDS serves them for a role: realistic shapes, obviously fake content
// (`ASIAEMULATOR…`), an Expiration in the future, rotated before it passes like the real service.
import { randomBytes } from 'node:crypto';

export interface Credentials {
  Code: string;
  LastUpdated: string;
  Type: string;
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  Expiration: string;
}

export interface CredentialTimings {
  /** Lifetime of one set of credentials. Real roles: about 6 hours. */
  ttlSeconds: number;
  /** New credentials are issued this long before the current ones expire. */
  rotateBeforeSeconds: number;
}

export const defaultCredentialTimings: Readonly<CredentialTimings> = Object.freeze({ ttlSeconds: 6 * 3600, rotateBeforeSeconds: 15 * 60 });

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomUpper(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += UPPER_ALNUM[bytes[i] & 31];
  return out;
}

function randomBase64(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4) + 3).toString('base64').replace(/=+$/, '').slice(0, length);
}

/** ISO-8601 in whole seconds with `Z`, the way IMDS prints times. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The real service's JSON layout: two-space indent and a space before each colon. */
export function imdsJson(record: Record<string, unknown>): string {
  const lines = Object.entries(record).map(([k, v]) => `  ${JSON.stringify(k)} : ${JSON.stringify(v)}`);
  return `{\n${lines.join(',\n')}\n}`;
}

export function issueCredentials(nowMs: number, ttlSeconds: number, template: Partial<Credentials> = {}): Credentials {
  const { Code, Type, AccessKeyId, SecretAccessKey, Token } = template;
  const fresh: Credentials = {
    Code: 'Success',
    LastUpdated: isoSeconds(nowMs),
    Type: 'AWS-HMAC',
    AccessKeyId: 'ASIAEMULATOR' + randomUpper(8),
    SecretAccessKey: 'emulator/' + randomBase64(31),
    // Real session tokens start with this prefix; the rest is random.
    Token: 'IQoJb3JpZ2luX2VjEMULATOR' + randomBase64(360),
    Expiration: isoSeconds(nowMs + ttlSeconds * 1000),
  };
  // A template (from a config) fixes the key material; the times always stay live.
  return {
    ...fresh,
    ...(Code !== undefined && { Code }),
    ...(Type !== undefined && { Type }),
    ...(AccessKeyId !== undefined && { AccessKeyId }),
    ...(SecretAccessKey !== undefined && { SecretAccessKey }),
    ...(Token !== undefined && { Token }),
  };
}

/** Holds the current credentials for one role and rotates them lazily when they are due. */
export class CredentialRotator {
  private current?: Credentials;
  private body?: Buffer;
  private rotateAtMs = 0;
  private template: Partial<Credentials> = {};

  constructor(
    private timings: CredentialTimings = defaultCredentialTimings,
    private readonly now: () => number = Date.now,
  ) {}

  setTimings(timings: CredentialTimings): void {
    this.timings = timings;
    this.rotateAtMs = 0;
  }

  setTemplate(template: Partial<Credentials>): void {
    this.template = { ...template };
    this.reset();
  }

  get currentTimings(): Readonly<CredentialTimings> {
    return this.timings;
  }

  /** Forgets the current credentials: the next read issues new ones (a role was just attached). */
  reset(): void {
    this.current = undefined;
    this.rotateAtMs = 0;
  }

  credentials(): Credentials {
    const now = this.now();
    if (!this.current || now >= this.rotateAtMs) {
      const { ttlSeconds, rotateBeforeSeconds } = this.timings;
      this.current = issueCredentials(now, ttlSeconds, this.template);
      this.body = undefined;
      // Never rotate sooner than half the lifetime, so short test lifetimes still hand out stable keys.
      const rotateAfterMs = Math.max(ttlSeconds * 500, (ttlSeconds - rotateBeforeSeconds) * 1000);
      this.rotateAtMs = now + rotateAfterMs;
    }
    return this.current;
  }

  json(): Buffer {
    const creds = this.credentials();
    if (!this.body) this.body = Buffer.from(imdsJson({ ...creds }));
    return this.body;
  }
}
