// The one path by which anything in this extension changes an AWS account: describe the exact
// change → DryRun (a missing permission shows before anything changes) → the caller's explicit
// confirmation → the Modify call → wait, bounded and cancellable, until EC2 says `applied` → a
// record with before and after, from which undoOf() makes the change back. The doctor's Apply and
// the fleet enforce both go through applyChange.

import type { DryRunResult } from './api';
import { pause } from '../pause';
import { Ec2Error } from './errors';
import { instanceLabel, type MetadataDefaults, type MetadataOptions, type MetadataOptionsChange } from './types';

export interface InstanceOptionsChange {
  kind: 'instance-options';
  instanceId: string;
  /** Name tag, for the confirmation text. */
  name?: string;
  region: string;
  profile?: string;
  /** The settable options as they were read, before the change. */
  before: MetadataOptionsChange;
  /** Only the options that change. */
  after: MetadataOptionsChange;
}

export interface AccountDefaultsChange {
  kind: 'account-defaults';
  region: string;
  profile?: string;
  before: MetadataDefaults;
  after: MetadataDefaults;
}

export type AccountChange = InstanceOptionsChange | AccountDefaultsChange;

/** What applyChange needs of the EC2 API (Ec2Api has it; tests and the fleet can pass their own). */
export interface ChangeApi {
  dryRunModifyOptions(instanceId: string, change: MetadataOptionsChange): Promise<DryRunResult>;
  modifyOptions(instanceId: string, change: MetadataOptionsChange): Promise<MetadataOptions | undefined>;
  describeInstance(instanceId: string, signal?: AbortSignal): Promise<{ metadataOptions?: MetadataOptions }>;
  dryRunModifyDefaults(change: MetadataDefaults): Promise<DryRunResult>;
  modifyDefaults(change: MetadataDefaults): Promise<void>;
  defaults(signal?: AbortSignal): Promise<MetadataDefaults>;
}

export type ChangeStep = 'dry-run' | 'confirm' | 'apply' | 'wait';

export interface ApplyOptions {
  /** The second, explicit confirmation, asked after the DryRun passed. false: nothing changes. */
  confirm: (change: AccountChange) => Promise<boolean>;
  onProgress?: (step: ChangeStep, detail: string) => void;
  /** Cancels the wait (the change itself, once made, stays made: the record says so). */
  signal?: AbortSignal;
  /** Longest wait for State `applied` (default 120 s). */
  waitTimeoutMs?: number;
  /** Time between DescribeInstances polls while pending (default 2 s). */
  pollMs?: number;
}

/** A change that was made, with what it was before: enough to undo it. */
export interface ChangeRecord {
  change: AccountChange;
  madeAt: string;
  /** applied: EC2 says so; pending: the wait was cancelled or timed out (the change is still on its way). */
  state: 'applied' | 'pending';
  /** What EC2 reported after the change. */
  observed?: MetadataOptions | MetadataDefaults;
}

export type ChangeOutcome =
  | { status: 'refused'; error: Ec2Error }
  | { status: 'declined' }
  | { status: 'made'; record: ChangeRecord; note?: string };

const OPTION_NAMES: Record<keyof MetadataOptionsChange, string> = {
  httpTokens: 'HttpTokens',
  httpPutResponseHopLimit: 'HttpPutResponseHopLimit',
  httpEndpoint: 'HttpEndpoint',
  httpProtocolIpv6: 'HttpProtocolIpv6',
  instanceMetadataTags: 'InstanceMetadataTags',
};

function shown(value: unknown): string {
  return value === undefined ? '(no preference)' : String(value);
}

/** The exact change, one line per option: `HttpTokens: optional → required`. */
export function changeLines(change: AccountChange): string[] {
  const before = change.before as Record<string, unknown>;
  const after = change.after as Record<string, unknown>;
  return (Object.keys(after) as (keyof MetadataOptionsChange)[]).map((key) => `${OPTION_NAMES[key]}: ${shown(before[key])} → ${shown(after[key])}`);
}

/** Where the change lands: instance id and Name (or the account default), Region, profile. */
export function changeTarget(change: AccountChange): string {
  const what = change.kind === 'instance-options' ? `instance ${instanceLabel(change)}` : 'the account default for new instances';
  return `${what} in ${change.region || '(default Region)'}, ${change.profile ? `profile ${change.profile}` : 'default credentials'}`;
}

/** Text for a confirmation or a log: target, then each option before → after. */
export function describeChange(change: AccountChange): string {
  return [`Change ${changeTarget(change)}:`, ...changeLines(change).map((line) => `  ${line}`)].join('\n');
}

/** The change that puts back what a record changed. */
export function undoOf(record: ChangeRecord): AccountChange {
  const { change } = record;
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const key of Object.keys(change.after)) {
    before[key] = (change.after as Record<string, unknown>)[key];
    after[key] = (change.before as Record<string, unknown>)[key];
  }
  if (change.kind === 'account-defaults') {
    // "No preference" is set back with its own value (-1 for the hop limit).
    for (const key of Object.keys(after)) {
      if (after[key] === undefined) after[key] = key === 'httpPutResponseHopLimit' ? -1 : 'no-preference';
    }
  }
  return { ...change, before, after } as AccountChange;
}

function matches(observed: object | undefined, wanted: object): boolean {
  if (!observed) return false;
  return Object.entries(wanted).every(([key, value]) => {
    const seen = (observed as Record<string, unknown>)[key];
    // A default set back to "no preference" reads as absent.
    return seen === value || (seen === undefined && (value === 'no-preference' || value === -1));
  });
}

export async function applyChange(api: ChangeApi, change: AccountChange, options: ApplyOptions): Promise<ChangeOutcome> {
  const progress = options.onProgress ?? (() => undefined);
  if (Object.keys(change.after).length === 0) return { status: 'refused', error: new Ec2Error('InvalidRequest', 'The change changes nothing.', 'Pick at least one option to change.') };

  progress('dry-run', `DryRun of ${change.kind === 'instance-options' ? 'ModifyInstanceMetadataOptions' : 'ModifyInstanceMetadataDefaults'}`);
  const dry = change.kind === 'instance-options' ? await api.dryRunModifyOptions(change.instanceId, change.after) : await api.dryRunModifyDefaults(change.after);
  if (!dry.ok) return { status: 'refused', error: dry.error };

  progress('confirm', describeChange(change));
  if (!(await options.confirm(change))) return { status: 'declined' };

  progress('apply', describeChange(change));
  const madeAt = new Date().toISOString();
  if (change.kind === 'account-defaults') {
    await api.modifyDefaults(change.after);
    // Defaults have no pending state: read them back to show what EC2 now holds.
    const observed = await api.defaults();
    return { status: 'made', record: { change, madeAt, state: 'applied', observed } };
  }

  let observed = await api.modifyOptions(change.instanceId, change.after);
  const deadline = Date.now() + (options.waitTimeoutMs ?? 120_000);
  const pollMs = options.pollMs ?? 2000;
  while (!(observed?.state === 'applied' && matches(observed, change.after))) {
    const left = deadline - Date.now();
    if (left <= 0) {
      return { status: 'made', record: { change, madeAt, state: 'pending', observed }, note: `Still pending after ${Math.round((options.waitTimeoutMs ?? 120_000) / 1000)} s: EC2 is applying it; look again in a minute.` };
    }
    progress('wait', `State ${observed?.state ?? 'unknown'}: waiting for applied`);
    try {
      await pause(Math.min(pollMs, left), options.signal);
    } catch {
      return { status: 'made', record: { change, madeAt, state: 'pending', observed }, note: 'Stopped waiting: the change was made and EC2 is still applying it.' };
    }
    observed = (await api.describeInstance(change.instanceId, options.signal)).metadataOptions;
  }
  return { status: 'made', record: { change, madeAt, state: 'applied', observed } };
}
