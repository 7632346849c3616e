// Require IMDSv2 on many instances: a DryRun per instance first, then the change itself, both paced
// below EC2's rate limit, retried with backoff on RequestLimitExceeded, cancellable between
// instances (a call in flight finishes, so no instance is left in an unknown state), and one
// result per instance. The caller confirms between the two phases and keeps the rollback record.
import { Pacer, sleep, type PacerOptions } from './pacer';
import type { AccountDefaults, MetadataOptions, PostureClass } from './types';

/** The EC2 calls enforce needs; the EC2 room provides it (src/aws/ec2). */
export interface MetadataChangePort {
  /**
   * ModifyInstanceMetadataOptions with `change`. With dryRun it resolves when EC2 answers
   * DryRunOperation (the call would succeed) and rejects with EC2's error otherwise.
   */
  modifyInstance(region: string, instanceId: string, change: MetadataOptions, dryRun: boolean): Promise<void>;
  /** ModifyInstanceMetadataDefaults (account level, per Region); same DryRun contract. */
  modifyDefaults(region: string, change: AccountDefaults, dryRun: boolean): Promise<void>;
}

export interface EnforceTarget {
  instanceId: string;
  region: string;
  name?: string;
  class?: PostureClass;
  /** The options before the change: what the rollback restores. */
  before: MetadataOptions;
}

export type EnforceOutcome = 'dry-run-ok' | 'dry-run-failed' | 'applied' | 'failed' | 'cancelled';

export interface EnforceResult {
  instanceId: string;
  region: string;
  name?: string;
  outcome: EnforceOutcome;
  /** EC2's error code and message when the call failed. */
  error?: string;
  attempts: number;
}

export interface BatchOptions extends PacerOptions {
  /** Calls in flight at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Retries after RequestLimitExceeded before the instance counts as failed (default 6). */
  maxThrottleRetries?: number;
  /** First backoff after a throttling answer, doubled each time, with jitter (default 500 ms). */
  backoffMs?: number;
  onResult?: (result: EnforceResult, done: number, total: number) => void;
  /** One pacer shared by the phases, so the DryRuns and the changes count against one budget. */
  pacer?: Pacer;
}

/** The change "Require IMDSv2" makes: only HttpTokens; every other option stays as it is. */
export const REQUIRE_TOKENS: MetadataOptions = { httpTokens: 'required' };

const THROTTLE_CODES = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException']);

export function errorCode(error: unknown): string {
  const e = error as { name?: string; Code?: string; code?: string };
  return e?.Code ?? e?.name ?? e?.code ?? 'Error';
}

export function isThrottle(error: unknown): boolean {
  return THROTTLE_CODES.has(errorCode(error));
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  return message.startsWith(code) ? message : `${code}: ${message}`;
}

async function runBatch(
  targets: EnforceTarget[],
  options: BatchOptions,
  call: (target: EnforceTarget) => Promise<void>,
  success: EnforceOutcome,
  failure: EnforceOutcome,
): Promise<EnforceResult[]> {
  const pacer = options.pacer ?? new Pacer(options);
  const maxRetries = options.maxThrottleRetries ?? 6;
  const backoff = options.backoffMs ?? 500;
  const results: EnforceResult[] = new Array(targets.length);
  let next = 0;
  let done = 0;
  const record = (index: number, result: EnforceResult) => {
    results[index] = result;
    done += 1;
    options.onResult?.(result, done, targets.length);
  };
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index];
      const base = { instanceId: target.instanceId, region: target.region, ...(target.name ? { name: target.name } : {}) };
      let attempts = 0;
      for (;;) {
        try {
          if (options.signal?.aborted) throw options.signal.reason;
          await pacer.take(options.signal);
        } catch {
          record(index, { ...base, outcome: 'cancelled', attempts });
          break;
        }
        attempts += 1;
        try {
          await call(target);
          record(index, { ...base, outcome: success, attempts });
          break;
        } catch (error) {
          if (isThrottle(error) && attempts <= maxRetries) {
            const wait = backoff * 2 ** (attempts - 1) * (0.5 + Math.random() / 2);
            pacer.pause(wait);
            try {
              await sleep(wait, options.signal);
            } catch {
              record(index, { ...base, outcome: 'cancelled', attempts });
              break;
            }
            continue;
          }
          record(index, { ...base, outcome: failure, error: describeError(error), attempts });
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, targets.length)) }, worker));
  return results;
}

/** Phase 1: a DryRun of the change on each target. Only `dry-run-ok` targets go on to apply. */
export function dryRunEach(port: MetadataChangePort, targets: EnforceTarget[], change: MetadataOptions, options: BatchOptions = {}): Promise<EnforceResult[]> {
  return runBatch(targets, options, (t) => port.modifyInstance(t.region, t.instanceId, change, true), 'dry-run-ok', 'dry-run-failed');
}

/** Phase 2 (after the person confirmed the list): the change itself on each target. */
export function applyEach(port: MetadataChangePort, targets: EnforceTarget[], change: MetadataOptions, options: BatchOptions = {}): Promise<EnforceResult[]> {
  return runBatch(targets, options, (t) => port.modifyInstance(t.region, t.instanceId, change, false), 'applied', 'failed');
}

/** The options a rollback writes back: every writable field, exactly as it was. */
export function writableOptions(options: MetadataOptions): MetadataOptions {
  const out: MetadataOptions = {};
  if (options.httpTokens !== undefined) out.httpTokens = options.httpTokens;
  if (options.httpEndpoint !== undefined) out.httpEndpoint = options.httpEndpoint;
  if (options.httpPutResponseHopLimit !== undefined) out.httpPutResponseHopLimit = options.httpPutResponseHopLimit;
  if (options.httpProtocolIpv6 !== undefined) out.httpProtocolIpv6 = options.httpProtocolIpv6;
  if (options.instanceMetadataTags !== undefined) out.instanceMetadataTags = options.instanceMetadataTags;
  return out;
}

/** Rollback: each target gets its own `before` options back. */
export function restoreEach(port: MetadataChangePort, targets: EnforceTarget[], options: BatchOptions = {}): Promise<EnforceResult[]> {
  return runBatch(targets, options, (t) => port.modifyInstance(t.region, t.instanceId, writableOptions(t.before), false), 'applied', 'failed');
}
