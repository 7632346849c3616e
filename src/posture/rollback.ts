// The rollback record of an enforce run: each instance's settable options (and each Region's
// account defaults) before the change. It is written BEFORE the first change and rewritten with
// each outcome after, so a run that dies half-way still leaves the file that undoes it. A restore
// puts back exactly the options the run changed, through the EC2 room's change path (undoOf).
import { undoOf, type AccountDefaultsChange, type ChangeRecord, type InstanceOptionsChange } from '../aws/ec2/change';
import type { MetadataOptionsChange } from '../aws/ec2/types';
import type { EnforceResult, EnforceTarget } from './enforce';

export type RollbackStatus = 'planned' | 'applied' | 'pending' | 'failed' | 'cancelled' | 'dry-run-failed' | 'restored';

export interface RollbackInstance {
  region: string;
  instanceId: string;
  name?: string;
  /** Every settable option as it was read before the run. */
  before: MetadataOptionsChange;
  status: RollbackStatus;
}

export interface RollbackDefaults {
  region: string;
  record: ChangeRecord;
  status: RollbackStatus;
}

export interface RollbackFile {
  kind: 'imds-rollback';
  version: 1;
  createdAt: string;
  profile?: string;
  /** The change the run made on each instance. */
  change: MetadataOptionsChange;
  instances: RollbackInstance[];
  defaults: RollbackDefaults[];
}

export function newRollback(targets: EnforceTarget[], change: MetadataOptionsChange, profile?: string, now = new Date()): RollbackFile {
  return {
    kind: 'imds-rollback',
    version: 1,
    createdAt: now.toISOString(),
    ...(profile ? { profile } : {}),
    change,
    instances: targets.map((t) => ({ region: t.region, instanceId: t.instanceId, ...(t.name ? { name: t.name } : {}), before: t.before, status: 'planned' })),
    defaults: [],
  };
}

export function recordResults(file: RollbackFile, results: EnforceResult[], restored = false): void {
  const byId = new Map(results.map((r) => [`${r.region}/${r.instanceId}`, r]));
  for (const entry of file.instances) {
    const result = byId.get(`${entry.region}/${entry.instanceId}`);
    if (!result) continue;
    if (restored) {
      if (result.outcome === 'applied' || result.outcome === 'pending') entry.status = 'restored';
      continue;
    }
    entry.status = result.outcome === 'dry-run-ok' ? 'planned' : result.outcome;
  }
}

/** Entries a restore must touch: changed ones, and planned ones whose fate is unknown (the run died). */
export function entriesToRestore(file: RollbackFile): RollbackInstance[] {
  return file.instances.filter((e) => e.status === 'applied' || e.status === 'pending' || e.status === 'planned');
}

/** The change that puts an entry's options back: only the options the run changed, to their old values. */
export function restoreChange(file: RollbackFile, entry: RollbackInstance): InstanceOptionsChange {
  const keys = Object.keys(file.change) as (keyof MetadataOptionsChange)[];
  const after: Record<string, unknown> = {};
  const before: Record<string, unknown> = {};
  for (const key of keys) {
    if (entry.before[key] === undefined) continue;
    after[key] = entry.before[key];
    before[key] = file.change[key];
  }
  return {
    kind: 'instance-options',
    instanceId: entry.instanceId,
    ...(entry.name ? { name: entry.name } : {}),
    region: entry.region,
    ...(file.profile ? { profile: file.profile } : {}),
    before: before as MetadataOptionsChange,
    after: after as MetadataOptionsChange,
  };
}

export function restoreDefaultsChange(entry: RollbackDefaults): AccountDefaultsChange {
  return undoOf(entry.record) as AccountDefaultsChange;
}

export class RollbackFileError extends Error {}

const INSTANCE_ID = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** Reads a rollback file, checking what a restore relies on; the error names the remedy. */
export function parseRollback(text: string): RollbackFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new RollbackFileError(`The rollback file is not JSON (${(error as Error).message}). Use the file that \`imds enforce\` or "Require IMDSv2" wrote.`);
  }
  const file = data as Partial<RollbackFile>;
  if (file?.kind !== 'imds-rollback' || file.version !== 1) {
    throw new RollbackFileError('This is not an IMDS rollback file (kind "imds-rollback", version 1). Use the file that `imds enforce` or "Require IMDSv2" wrote.');
  }
  if (!Array.isArray(file.instances) || !Array.isArray(file.defaults) || typeof file.change !== 'object' || file.change === null) {
    throw new RollbackFileError('The rollback file lacks its "change", "instances" or "defaults": it was cut or edited. Use the file as it was written.');
  }
  file.instances.forEach((entry, i) => {
    if (typeof entry?.region !== 'string' || !INSTANCE_ID.test(String(entry?.instanceId)) || typeof entry.before !== 'object' || entry.before === null) {
      throw new RollbackFileError(`Rollback entry ${i + 1} needs a region, an instance id (i-…) and its "before" options.`);
    }
  });
  file.defaults.forEach((entry, i) => {
    if (typeof entry?.region !== 'string' || entry.record?.change?.kind !== 'account-defaults') {
      throw new RollbackFileError(`Rollback defaults entry ${i + 1} needs a region and the change record of the account defaults.`);
    }
  });
  return file as RollbackFile;
}
