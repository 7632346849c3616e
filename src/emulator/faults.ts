// Faults a client must survive: slow answers, a fraction of 503s, throttling beyond N requests per
// second, and the hop limit (a token PUT from "inside a container" never gets its answer back).
import { isIP } from 'node:net';
import { EmulatorSettingError, MAX_THROTTLE_RPS, durationMsProblem } from './bounds';

export interface Faults {
  /** Added delay before every answer, in milliseconds. */
  latencyMs: number;
  /** Fraction 0..1 of requests answered 503 Service Unavailable. */
  errorRate: number;
  /** Requests per second answered normally; beyond that, `throttleStatus`. 0 = unlimited. */
  throttleRps: number;
  /** Status of throttled answers (429 by default; some clients only retry 503). */
  throttleStatus: number;
  /**
   * The instance's PUT response hop limit (1..64, default 1 as on real instances). A token PUT that
   * travelled more hops than this never gets an answer, exactly as the IP TTL drops it on EC2.
   */
  hopLimit: number;
  /** Header a test client sets to say how many hops its request travelled (e.g. `2` from a container). */
  hopHeader: string;
  /**
   * Source addresses treated as containers (2 hops): addresses (`127.0.0.2`, `::1`) or IPv4 CIDRs
   * (`127.0.0.0/30`). All of 127/8 is loopback on Linux, so tests can send from 127.0.0.2.
   */
  containerSources: string[];
}

export const defaultFaults: Readonly<Faults> = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  throttleRps: 0,
  throttleStatus: 429,
  hopLimit: 1,
  hopHeader: 'x-imds-emulator-hops',
  containerSources: [],
});

/**
 * Headers the protocol itself reads: a hop header named like one of them would make every token
 * PUT look like it travelled a number of hops (and be dropped), or break the request.
 */
const PROTOCOL_HEADERS = new Set([
  'host', 'connection', 'content-length', 'transfer-encoding', 'upgrade', 'expect', 'te', 'trailer',
  'x-forwarded-for', 'forwarded', 'proxy-authorization',
]);

/** Every problem of a partial fault set (types, ranges, names), one per field; empty when fine. */
export function faultProblems(f: Record<string, unknown>): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const bad = (field: string, message: string) => problems.push({ field, message });
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  for (const field of Object.keys(f)) {
    if (!Object.hasOwn(defaultFaults, field)) bad(field, `is not a known fault. Known faults: ${Object.keys(defaultFaults).join(', ')}`);
  }
  const has = (field: string) => Object.hasOwn(f, field) && f[field] !== undefined;
  if (has('latencyMs')) {
    const problem = durationMsProblem(f.latencyMs);
    if (problem) bad('latencyMs', problem);
  }
  if (has('errorRate') && !(isNumber(f.errorRate) && f.errorRate >= 0 && f.errorRate <= 1)) bad('errorRate', `must be a number between 0 and 1 (got ${JSON.stringify(f.errorRate)})`);
  if (has('throttleRps') && !(isNumber(f.throttleRps) && Number.isInteger(f.throttleRps) && f.throttleRps >= 0 && f.throttleRps <= MAX_THROTTLE_RPS)) {
    bad('throttleRps', `must be a whole number 0..${MAX_THROTTLE_RPS} (0 = no throttling) (got ${JSON.stringify(f.throttleRps)})`);
  }
  if (has('throttleStatus') && !(isNumber(f.throttleStatus) && Number.isInteger(f.throttleStatus) && f.throttleStatus >= 400 && f.throttleStatus <= 599)) {
    bad('throttleStatus', `must be an HTTP error status 400..599 (got ${JSON.stringify(f.throttleStatus)})`);
  }
  if (has('hopLimit') && !(isNumber(f.hopLimit) && Number.isInteger(f.hopLimit) && f.hopLimit >= 1 && f.hopLimit <= 64)) bad('hopLimit', `must be a whole number 1..64, the EC2 range (got ${JSON.stringify(f.hopLimit)})`);
  if (has('hopHeader')) {
    const name = f.hopHeader;
    if (typeof name !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(name)) bad('hopHeader', `must be an HTTP header name like X-Imds-Emulator-Hops (got ${JSON.stringify(name)})`);
    else if (PROTOCOL_HEADERS.has(name.toLowerCase()) || name.toLowerCase().startsWith('x-aws-ec2-metadata-')) {
      bad('hopHeader', `names a header the protocol itself uses (${name}); pick a header of your own, e.g. X-Imds-Emulator-Hops`);
    }
  }
  if (has('containerSources')) {
    if (!Array.isArray(f.containerSources)) bad('containerSources', 'must be a list of IP addresses or IPv4 CIDRs');
    else {
      for (const source of f.containerSources as unknown[]) {
        if (typeof source !== 'string' || !(isIP(source) || parseCidr(source))) {
          bad('containerSources', `has ${JSON.stringify(source)}, which is neither an IP address nor an IPv4 CIDR like 127.0.0.0/30`);
          break;
        }
      }
    }
  }
  return problems;
}

/** Validates a partial fault set; throws an EmulatorSettingError naming the first bad field. */
export function checkFaults(f: Partial<Faults>): void {
  const [first] = faultProblems(f as Record<string, unknown>);
  if (first) throw new EmulatorSettingError(`Fault "${first.field}" ${first.message}.`);
}

function ipv4ToNumber(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    n = n * 256 + Number(part);
  }
  return n;
}

function parseCidr(cidr: string): { base: number; size: number } | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  const base = m ? ipv4ToNumber(m[1]) : undefined;
  if (!m || base === undefined || Number(m[2]) > 32) return undefined;
  const size = 2 ** (32 - Number(m[2]));
  return { base: base - (base % size), size };
}

/** Matches request source addresses against the container list (built once per setFaults). */
export class SourceMatcher {
  private readonly exact = new Set<string>();
  private readonly ranges: { base: number; size: number }[] = [];

  constructor(sources: readonly string[]) {
    for (const source of sources) {
      const range = source.includes('/') ? parseCidr(source) : undefined;
      if (range) this.ranges.push(range);
      else this.exact.add(source);
    }
  }

  get empty(): boolean {
    return this.exact.size === 0 && this.ranges.length === 0;
  }

  matches(remoteAddress: string): boolean {
    const plain = remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
    if (this.exact.has(plain)) return true;
    if (this.ranges.length === 0) return false;
    const n = ipv4ToNumber(plain);
    return n !== undefined && this.ranges.some((r) => n >= r.base && n < r.base + r.size);
  }
}

/** The number of hops a request travelled: the hop header if given, 2 for container sources, else 1. */
export function hopsOf(headerValue: string | string[] | undefined, remoteAddress: string | undefined, containers: SourceMatcher): number {
  if (typeof headerValue === 'string') {
    const hops = Number.parseInt(headerValue, 10);
    if (Number.isInteger(hops) && hops >= 1) return hops;
  }
  if (remoteAddress !== undefined && !containers.empty && containers.matches(remoteAddress)) return 2;
  return 1;
}
