// Managed instances (DescribeInstanceInformation, all pages) for the instance picker, and fleet
// snapshots: up to 50 instances read with ONE SendCommand (by ids or by tag), each result read
// with its own GetCommandInvocation, then compared side by side (which paths differ).

import { normalizePath } from '../../imds/paths';
import { comparePaths } from '../../imds/snapshot';
import type { Snapshot, SnapshotEntry } from '../../imds/types';
import { connectSsm, type AwsConnectionOptions, type SsmConnection } from './awsClient';
import { describeAwsError, SsmError } from './errors';
import { snapshotInstances, type InstanceSnapshot } from './remoteSnapshot';
import { SsmRunner, type ProgressState } from './runner';
import type { ScriptPlatform, WalkerTool } from './script';
import { DEFAULT_COMMAND_TIMEOUT_SECONDS } from './ssmSource';

export interface ManagedInstance {
  instanceId: string;
  /** Best name known: the managed node's Name, else its computer name, else the id. */
  name: string;
  computerName?: string;
  platformType?: string;
  platformName?: string;
  platformVersion?: string;
  pingStatus: string;
  lastPing?: Date;
  agentVersion?: string;
  ipAddress?: string;
  /** Only Online instances can run a command now. */
  selectable: boolean;
  /** Why an instance cannot be picked (shown next to it). */
  reason?: string;
}

export interface ListInstancesOptions extends AwsConnectionOptions {
  /** Case-insensitive text matched against id, name, computer name, IP and platform. */
  filter?: string;
  /** Server-side filters, e.g. [{ Key: 'tag:Env', Values: ['prod'] }] or PingStatus. */
  filters?: { Key: string; Values: string[] }[];
  /** Stop after this many instances (default 1000). */
  limit?: number;
  /** Reuse a connection (the picker lists, then snapshots). */
  connection?: SsmConnection;
}

function whyNotSelectable(pingStatus: string, lastPing?: Date): string | undefined {
  if (pingStatus === 'Online') return undefined;
  const since = lastPing ? ` since ${lastPing.toISOString().replace('T', ' ').slice(0, 16)} UTC` : '';
  if (pingStatus === 'ConnectionLost') return `agent not connected${since}: instance stopped, or the SSM agent cannot reach SSM`;
  if (pingStatus === 'Inactive') return `agent inactive${since}`;
  return `agent ${pingStatus}${since}`;
}

export function matchesFilter(instance: ManagedInstance, filter: string | undefined): boolean {
  const text = filter?.trim().toLowerCase();
  if (!text) return true;
  return [instance.instanceId, instance.name, instance.computerName, instance.ipAddress, instance.platformName, instance.platformType, instance.pingStatus]
    .some((field) => field?.toLowerCase().includes(text));
}

/** Managed instances of the account and Region, every page, Online first then by name. */
export async function listManagedInstances(options: ListInstancesOptions): Promise<ManagedInstance[]> {
  const connection = options.connection ?? (await connectSsm(options));
  const { DescribeInstanceInformationCommand } = connection.sdk;
  const limit = options.limit ?? 1000;
  const found: ManagedInstance[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await connection.client.send(new DescribeInstanceInformationCommand({
        MaxResults: 50,
        ...(options.filters?.length ? { Filters: options.filters } : {}),
        ...(nextToken ? { NextToken: nextToken } : {}),
      }));
      for (const info of page.InstanceInformationList ?? []) {
        if (!info.InstanceId) continue;
        const pingStatus = info.PingStatus ?? 'Unknown';
        const reason = whyNotSelectable(pingStatus, info.LastPingDateTime);
        const instance: ManagedInstance = {
          instanceId: info.InstanceId,
          name: info.Name || info.ComputerName || info.InstanceId,
          pingStatus,
          selectable: reason === undefined,
          ...(info.ComputerName ? { computerName: info.ComputerName } : {}),
          ...(info.PlatformType ? { platformType: info.PlatformType } : {}),
          ...(info.PlatformName ? { platformName: info.PlatformName } : {}),
          ...(info.PlatformVersion ? { platformVersion: info.PlatformVersion } : {}),
          ...(info.LastPingDateTime ? { lastPing: info.LastPingDateTime } : {}),
          ...(info.AgentVersion ? { agentVersion: info.AgentVersion } : {}),
          ...(info.IPAddress ? { ipAddress: info.IPAddress } : {}),
          ...(reason ? { reason } : {}),
        };
        if (matchesFilter(instance, options.filter)) found.push(instance);
      }
      nextToken = page.NextToken;
    } while (nextToken && found.length < limit);
  } catch (error) {
    throw describeAwsError(error, { operation: 'DescribeInstanceInformation', profile: options.profile, region: connection.region || options.region, endpoint: options.endpoint });
  } finally {
    if (!options.connection) connection.client.destroy();
  }
  return found
    .slice(0, limit)
    .sort((a, b) => Number(b.selectable) - Number(a.selectable) || a.name.localeCompare(b.name) || a.instanceId.localeCompare(b.instanceId));
}

/** The platform the scripts need for an instance (Windows uses PowerShell). */
export function platformOf(instance: Pick<ManagedInstance, 'platformType'>): ScriptPlatform {
  return instance.platformType === 'Windows' ? 'windows' : 'linux';
}

export const MAX_FLEET = 50;

export interface FleetOptions extends AwsConnectionOptions {
  /** Instance ids (up to 50), or a tag to target: { key: 'Env', value: 'prod' }. */
  instanceIds?: string[];
  tag?: { key: string; value: string };
  root?: string;
  imdsEndpoint?: string;
  tokenTtlSeconds?: number;
  commandTimeoutSeconds?: number;
  tool?: WalkerTool;
  chunkSize?: number;
  /** Stops waiting and cancels the commands (each result then carries a Cancelled error). */
  signal?: AbortSignal;
  onProgress?: (instanceId: string, state: ProgressState, detail: string) => void;
}

export interface FleetSnapshot {
  /** Every instance reached, with its snapshot or its error. */
  results: InstanceSnapshot[];
  /** Instances the tag matched that were skipped (not Online, or another platform), with why. */
  skipped: { instanceId: string; reason: string }[];
  /** SendCommand calls: 1 for the fleet, plus one per further part, plus cleanup. */
  commandsSent: number;
  elapsedMs: number;
}

/**
 * Snapshots a fleet with one SendCommand: Linux (and macOS) instances only, as one command runs one
 * document. With a tag, the instances it matches are found first (DescribeInstanceInformation) so
 * each invocation can be read by id.
 */
export async function snapshotFleet(options: FleetOptions): Promise<FleetSnapshot> {
  const started = Date.now();
  if (!options.instanceIds?.length && !options.tag) throw new SsmError('InvalidRequest', 'A fleet snapshot needs instance ids or a tag.', 'Give --instances i-1,i-2 or --tag Key=Value.');
  if (options.instanceIds && options.instanceIds.length > MAX_FLEET) {
    throw new SsmError('InvalidRequest', `A fleet snapshot reads at most ${MAX_FLEET} instances with one command (got ${options.instanceIds.length}).`, 'Split the fleet, or target it by tag in smaller groups.');
  }
  const connection = await connectSsm(options).catch((error: unknown) => {
    throw describeAwsError(error, { operation: 'SendCommand', profile: options.profile, region: options.region });
  });
  try {
    const skipped: FleetSnapshot['skipped'] = [];
    let expected: string[];
    let target: { instanceIds?: string[]; targets?: { Key: string; Values: string[] }[] };
    if (options.tag) {
      const tagFilter = [{ Key: `tag:${options.tag.key}`, Values: [options.tag.value] }];
      const matched = await listManagedInstances({ ...options, connection, filters: tagFilter, limit: 10_000 });
      for (const instance of matched) {
        if (!instance.selectable) skipped.push({ instanceId: instance.instanceId, reason: instance.reason ?? 'not Online' });
        else if (platformOf(instance) !== 'linux') skipped.push({ instanceId: instance.instanceId, reason: `${instance.platformType} (a fleet command runs the Linux script)` });
      }
      expected = matched.filter((i) => i.selectable && platformOf(i) === 'linux').map((i) => i.instanceId);
      if (expected.length > MAX_FLEET) {
        throw new SsmError('InvalidRequest', `Tag ${options.tag.key}=${options.tag.value} matches ${expected.length} online instances; one command reads at most ${MAX_FLEET}.`, 'Use a narrower tag.');
      }
      target = { targets: tagFilter };
    } else {
      expected = [...new Set(options.instanceIds)];
      target = { instanceIds: expected };
    }
    if (expected.length === 0) return { results: [], skipped, commandsSent: 0, elapsedMs: Date.now() - started };
    const runner = new SsmRunner(connection, { profile: options.profile });
    const results = await snapshotInstances(runner, target, expected, {
      platform: 'linux',
      imdsEndpoint: options.imdsEndpoint,
      root: normalizePath(options.root ?? '/latest/'),
      tokenTtlSeconds: options.tokenTtlSeconds,
      showSecrets: false,
      tool: options.tool,
      chunkSize: options.chunkSize,
      timeoutSeconds: options.commandTimeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS,
      label: (id) => `ssm ${id}${connection.region ? ` ${connection.region}` : ''}`,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    return { results, skipped, commandsSent: runner.sentCommands, elapsedMs: Date.now() - started };
  } finally {
    connection.client.destroy();
  }
}

/** What one instance has at a path, for comparison. */
export type FleetCell = { kind: 'value'; value: string; encoding: 'utf8' | 'base64' } | { kind: 'dir' } | { kind: 'error'; status: number; error: string } | { kind: 'absent' };

export interface FleetRow {
  path: string;
  /** One cell per instance, in `instances` order. */
  cells: FleetCell[];
}

export interface FleetComparison {
  instances: string[];
  /** Paths whose value (or presence, or error) is not the same on every instance. */
  differing: FleetRow[];
  /** Paths identical everywhere. */
  sameCount: number;
}

function cellOf(entry: SnapshotEntry | undefined): FleetCell {
  if (!entry) return { kind: 'absent' };
  if (entry.kind === 'dir') return { kind: 'dir' };
  if (entry.kind === 'error') return { kind: 'error', status: entry.status, error: entry.error ?? '' };
  return { kind: 'value', value: entry.value ?? '', encoding: entry.encoding ?? 'utf8' };
}

function cellKey(cell: FleetCell): string {
  switch (cell.kind) {
    case 'value': return `v:${cell.encoding}:${cell.value}`;
    case 'error': return `e:${cell.status}`;
    default: return cell.kind;
  }
}

/** Side-by-side comparison of snapshots (instance id -> snapshot): the paths that differ. */
export function compareFleet(snapshots: Map<string, Snapshot>): FleetComparison {
  const instances = [...snapshots.keys()];
  const byInstance = instances.map((id) => new Map(snapshots.get(id)!.entries.map((e) => [e.path, e])));
  const paths = [...new Set(byInstance.flatMap((entries) => [...entries.keys()]))].sort(comparePaths);
  const differing: FleetRow[] = [];
  let sameCount = 0;
  for (const path of paths) {
    const cells = byInstance.map((entries) => cellOf(entries.get(path)));
    // Directories differ through their children, which are compared as paths of their own.
    if (cells.every((cell) => cell.kind === 'dir')) continue;
    if (new Set(cells.map(cellKey)).size === 1) sameCount++;
    else differing.push({ path, cells });
  }
  return { instances, differing, sameCount };
}

function cellText(cell: FleetCell, width: number): string {
  const text = cell.kind === 'value' ? (cell.encoding === 'base64' ? `(binary, ${Math.floor((cell.value.length * 3) / 4)} bytes)` : cell.value.replace(/\s+/g, ' '))
    : cell.kind === 'error' ? `(error ${cell.status || ''})`.replace(' )', ')')
      : cell.kind === 'dir' ? '(directory)' : '(absent)';
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** A plain-text table of the differing paths, for the CLI and a read-only document. */
export function formatFleetComparison(comparison: FleetComparison, width = 24): string {
  const pathWidth = Math.min(60, Math.max(4, ...comparison.differing.map((row) => row.path.length)));
  const header = ['path'.padEnd(pathWidth), ...comparison.instances.map((id) => id.padEnd(width))].join('  ');
  const lines = [header, '-'.repeat(header.length)];
  for (const row of comparison.differing) {
    const path = row.path.length > pathWidth ? `…${row.path.slice(-(pathWidth - 1))}` : row.path.padEnd(pathWidth);
    lines.push([path, ...row.cells.map((cell) => cellText(cell, width))].join('  '));
  }
  lines.push('', `${comparison.differing.length} path(s) differ; ${comparison.sameCount} are the same on all ${comparison.instances.length} instance(s).`);
  return lines.join('\n');
}
