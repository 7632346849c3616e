// The rollback record of an enforce run: the options of each instance (and the account defaults of
// each Region) before the change. It is written BEFORE the first change and rewritten with each
// outcome after, so a run that dies half-way still leaves the file that undoes it.
import { writableOptions, type EnforceResult, type EnforceTarget } from './enforce';
import type { AccountDefaults, MetadataOptions } from './types';

export type RollbackStatus = 'planned' | 'applied' | 'failed' | 'cancelled' | 'dry-run-failed';

export interface RollbackInstance {
  region: string;
  instanceId: string;
  name?: string;
  before: MetadataOptions;
  status: RollbackStatus;
}

export interface RollbackDefaults {
  region: string;
  before: AccountDefaults;
  status: RollbackStatus;
}

export interface RollbackFile {
  kind: 'imds-rollback';
  version: 1;
  createdAt: string;
  profile?: string;
  change: MetadataOptions;
  instances: RollbackInstance[];
  defaults: RollbackDefaults[];
}

export function newRollback(targets: EnforceTarget[], change: MetadataOptions, profile?: string, now = new Date()): RollbackFile {
  return {
    kind: 'imds-rollback',
    version: 1,
    createdAt: now.toISOString(),
    ...(profile ? { profile } : {}),
    change,
    instances: targets.map((t) => ({ region: t.region, instanceId: t.instanceId, ...(t.name ? { name: t.name } : {}), before: writableOptions(t.before), status: 'planned' })),
    defaults: [],
  };
}

export function recordResults(file: RollbackFile, results: EnforceResult[]): void {
  const byId = new Map(results.map((r) => [`${r.region}/${r.instanceId}`, r]));
  for (const entry of file.instances) {
    const result = byId.get(`${entry.region}/${entry.instanceId}`);
    if (!result) continue;
    entry.status = result.outcome === 'dry-run-ok' ? 'planned' : result.outcome;
  }
}

/** Entries a restore must touch: changed ones, and planned ones whose fate is unknown (run died). */
export function entriesToRestore(file: RollbackFile): RollbackInstance[] {
  return file.instances.filter((e) => e.status === 'applied' || e.status === 'planned');
}

export class RollbackFileError extends Error {}

/** Reads a rollback file, checking what a restore relies on; the error names the remedy. */
export function parseRollback(text: string): RollbackFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new RollbackFileError(`The rollback file is not JSON (${(error as Error).message}). Use the file that \`imds enforce\` or the Require IMDSv2 command wrote.`);
  }
  const file = data as Partial<RollbackFile>;
  if (file?.kind !== 'imds-rollback' || file.version !== 1) {
    throw new RollbackFileError('This is not an IMDS rollback file (kind "imds-rollback", version 1). Use the file that `imds enforce` or the Require IMDSv2 command wrote.');
  }
  if (!Array.isArray(file.instances) || !Array.isArray(file.defaults)) throw new RollbackFileError('The rollback file has no "instances" or "defaults" list.');
  file.instances.forEach((entry, i) => {
    if (typeof entry?.region !== 'string' || !/^i-[0-9a-f]{8,17}$/.test(String(entry?.instanceId)) || typeof entry.before !== 'object' || entry.before === null) {
      throw new RollbackFileError(`Rollback entry ${i + 1} needs a region, an instance id (i-…) and its "before" options.`);
    }
  });
  return file as RollbackFile;
}
