// Require IMDSv2 on many instances through the EC2 room's one change path (applyChange: DryRun →
// confirm → Modify → wait for `applied` → record). At fleet scale the path is split in two phases:
// phase 1 runs the DryRun of every target, then the caller shows ONE confirmation with the count
// and the list; phase 2 runs applyChange per confirmed target, whose own DryRun step is answered
// by phase 1's result (a second DryRun per instance would double the calls against EC2's rate
// limit) and whose confirm step is that fleet-wide confirmation. Calls are paced below the rate
// limit, retried with backoff on RequestLimitExceeded, cancellable between instances (a call in
// flight finishes: no instance is left in an unknown state), and each target gets a result.
import type { DryRunResult } from '../aws/ec2/api';
import { applyChange, type ChangeApi, type ChangeRecord, type InstanceOptionsChange } from '../aws/ec2/change';
import { isEc2Error } from '../aws/ec2/errors';
import type { InstanceSummary, MetadataOptions, MetadataOptionsChange } from '../aws/ec2/types';
import { pause } from '../aws/pause';
import { Pacer, type PacerOptions } from './pacer';
import type { PostureClass } from './types';

/** What enforce needs of the EC2 API in one Region (Ec2Api has it). */
export interface EnforceApi extends ChangeApi {
  /** Up to 1,000 instances by id in one call. */
  describeInstances(instanceIds: string[], signal?: AbortSignal): Promise<InstanceSummary[]>;
}

export type ApiForRegion = (region: string) => Promise<EnforceApi>;

export interface EnforceTarget {
  instanceId: string;
  region: string;
  name?: string;
  class?: PostureClass;
  /** The settable options before the change: what the rollback restores. */
  before: MetadataOptionsChange;
}

export type EnforceOutcome = 'dry-run-ok' | 'dry-run-failed' | 'applied' | 'pending' | 'failed' | 'cancelled';

export interface EnforceResult {
  instanceId: string;
  region: string;
  name?: string;
  outcome: EnforceOutcome;
  /** Why it failed: EC2's error with its remedy. */
  error?: string;
  attempts: number;
  /** The change record (applied or pending): what the rollback undoes. */
  record?: ChangeRecord;
}

export interface BatchOptions extends PacerOptions {
  /** Instances worked on at once (default 32: the pacer bounds the call rate; this bounds the waits for `applied`, which are batched). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Retries after RequestLimitExceeded (once the SDK's own retries gave up) before the instance fails (default 5). */
  maxThrottleRetries?: number;
  /** First backoff after a throttling answer, doubled each time, with jitter (default 1000 ms). */
  backoffMs?: number;
  /** Longest wait for `applied` per instance (default 120 s) and the time between polls (default 2 s). */
  waitTimeoutMs?: number;
  pollMs?: number;
  onResult?: (result: EnforceResult, done: number, total: number) => void;
  /** One pacer across phases, so DryRuns and changes share one budget. */
  pacer?: Pacer;
}

/** The change "Require IMDSv2" makes: HttpTokens only; every other option stays as it is. */
export const REQUIRE_TOKENS: MetadataOptionsChange = { httpTokens: 'required' };

const THROTTLE_NAMES = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException']);

export function isThrottle(error: unknown): boolean {
  if (isEc2Error(error)) return error.code === 'Throttled';
  return THROTTLE_NAMES.has(String((error as { name?: string })?.name));
}

export function errorText(error: unknown): string {
  if (isEc2Error(error)) return error.toLine();
  return error instanceof Error ? error.message : String(error);
}

/** The settable options of a described instance: what a rollback puts back. */
export function settableOptions(options: MetadataOptions | undefined): MetadataOptionsChange {
  if (!options) return {};
  const { state: _state, ...settable } = options;
  return settable;
}

class CancelledError extends Error {}

async function runBatch(
  targets: EnforceTarget[],
  options: BatchOptions,
  work: (target: EnforceTarget) => Promise<Omit<EnforceResult, 'instanceId' | 'region' | 'name' | 'attempts'>>,
): Promise<EnforceResult[]> {
  const pacer = options.pacer ?? new Pacer(options);
  const maxRetries = options.maxThrottleRetries ?? 5;
  const backoff = options.backoffMs ?? 1000;
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
          if (options.signal?.aborted) throw new CancelledError();
          await pacer.take(options.signal).catch(() => {
            throw new CancelledError();
          });
          attempts += 1;
          record(index, { ...base, ...(await work(target)), attempts });
          break;
        } catch (error) {
          if (error instanceof CancelledError) {
            record(index, { ...base, outcome: 'cancelled', attempts });
            break;
          }
          if (isThrottle(error) && attempts <= maxRetries) {
            const wait = backoff * 2 ** (attempts - 1) * (0.5 + Math.random() / 2);
            pacer.pause(wait);
            const slept = await pause(wait, options.signal).then(() => true, () => false);
            if (slept) continue;
            record(index, { ...base, outcome: 'cancelled', attempts });
            break;
          }
          record(index, { ...base, outcome: 'failed', error: errorText(error), attempts });
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 32, targets.length)) }, worker));
  return results;
}

/** Phase 1: the DryRun of the change on each target. Only `dry-run-ok` targets may go on. */
export function dryRunEach(apiFor: ApiForRegion, targets: EnforceTarget[], change: MetadataOptionsChange, options: BatchOptions = {}): Promise<EnforceResult[]> {
  return runBatch(targets, options, async (target) => {
    const dry = await (await apiFor(target.region)).dryRunModifyOptions(target.instanceId, change);
    if (dry.ok) return { outcome: 'dry-run-ok' };
    if (isThrottle(dry.error)) throw dry.error;
    return { outcome: 'dry-run-failed', error: errorText(dry.error) };
  });
}

/**
 * Waits for many instances at once: the describeInstance calls of concurrent applyChange waits
 * are gathered into one DescribeInstances of up to 1,000 ids.
 */
export class BatchedDescriber {
  private queue: { id: string; resolve: (s: InstanceSummary | undefined) => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly api: EnforceApi, private readonly gatherMs = 50) {}

  describe(instanceId: string): Promise<InstanceSummary | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: instanceId, resolve, reject });
      if (this.queue.length >= 1000) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.gatherMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue.splice(0, 1000);
    if (!batch.length) return;
    this.api.describeInstances([...new Set(batch.map((b) => b.id))]).then(
      (found) => {
        const byId = new Map(found.map((s) => [s.instanceId, s]));
        for (const b of batch) b.resolve(byId.get(b.id));
      },
      (error) => {
        for (const b of batch) b.reject(error);
      },
    );
    if (this.queue.length) this.timer = setTimeout(() => this.flush(), this.gatherMs);
  }
}

/** The Region's API as applyChange sees it in phase 2: DryRun answered by phase 1, modify paced, waits batched. */
function phaseTwoApi(api: EnforceApi, describer: BatchedDescriber): ChangeApi {
  const passed: DryRunResult = { ok: true };
  return {
    dryRunModifyOptions: async () => passed,
    modifyOptions: (instanceId, change) => api.modifyOptions(instanceId, change),
    describeInstance: async (instanceId) => (await describer.describe(instanceId)) ?? {},
    dryRunModifyDefaults: (change) => api.dryRunModifyDefaults(change),
    modifyDefaults: (change) => api.modifyDefaults(change),
    defaults: (signal) => api.defaults(signal),
  };
}

/**
 * Phase 2, after the person confirmed the list: applyChange on each target (phase 1 passed).
 * `pending` means the change was made and EC2 was still applying it when the wait ended.
 */
export async function applyEach(apiFor: ApiForRegion, targets: EnforceTarget[], change: MetadataOptionsChange, options: BatchOptions & { profile?: string } = {}): Promise<EnforceResult[]> {
  const describers = new Map<string, ChangeApi>();
  const regionApi = async (region: string) => {
    let api = describers.get(region);
    if (!api) {
      const real = await apiFor(region);
      describers.set(region, (api = phaseTwoApi(real, new BatchedDescriber(real))));
    }
    return api;
  };
  return runBatch(targets, options, async (target) => {
    const instanceChange: InstanceOptionsChange = {
      kind: 'instance-options',
      instanceId: target.instanceId,
      ...(target.name ? { name: target.name } : {}),
      region: target.region,
      ...(options.profile ? { profile: options.profile } : {}),
      before: target.before,
      after: change,
    };
    const outcome = await applyChange(await regionApi(target.region), instanceChange, {
      confirm: async () => true, // the fleet-wide confirmation came before phase 2
      signal: options.signal,
      waitTimeoutMs: options.waitTimeoutMs,
      pollMs: options.pollMs,
    });
    if (outcome.status === 'made') return { outcome: outcome.record.state === 'applied' ? 'applied' : 'pending', record: outcome.record };
    if (outcome.status === 'refused') return { outcome: 'failed', error: errorText(outcome.error) };
    return { outcome: 'cancelled' };
  });
}

/** Rollback: applyChange (with its own real DryRun) puts each target's `before` back. */
export function restoreEach(apiFor: ApiForRegion, changes: InstanceOptionsChange[], options: BatchOptions = {}): Promise<EnforceResult[]> {
  const byKey = new Map(changes.map((c) => [`${c.region}/${c.instanceId}`, c]));
  const targets: EnforceTarget[] = changes.map((c) => ({ instanceId: c.instanceId, region: c.region, ...(c.name ? { name: c.name } : {}), before: c.before }));
  return runBatch(targets, options, async (target) => {
    const api = await apiFor(target.region);
    const outcome = await applyChange(api, byKey.get(`${target.region}/${target.instanceId}`)!, {
      confirm: async () => true, // the person confirmed the restore of the whole file
      signal: options.signal,
      waitTimeoutMs: options.waitTimeoutMs,
      pollMs: options.pollMs,
    });
    if (outcome.status === 'made') return { outcome: outcome.record.state === 'applied' ? 'applied' : 'pending', record: outcome.record };
    if (outcome.status === 'refused') {
      if (isThrottle(outcome.error)) throw outcome.error;
      return { outcome: 'failed', error: errorText(outcome.error) };
    }
    return { outcome: 'cancelled' };
  });
}
