// Snapshots: a whole subtree as one JSON-able structure, ordered by path. Built by a crawl (the
// client) or taken remotely (SSM), saved, loaded back (validated: a snapshot file may come from
// anywhere), masked, and compared.

import { promises as fs } from 'node:fs';
import { isImdsError } from './errors';
import { readRegularFile } from './regularFile';
import { SECRET_MASK, isSecretPath, maskSecretsDetailed, mayHoldSecrets } from './secrets';
import type { Snapshot, SnapshotEntry } from './types';

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** True when the bytes are valid UTF-8 (user-data may be gzip or other binary). */
export function isUtf8(body: Buffer): boolean {
  try {
    fatalUtf8.decode(body);
    return true;
  } catch {
    return false;
  }
}

/** The snapshot entry of a value: text when it is UTF-8, else base64; secrets masked unless shown. */
export function valueEntry(path: string, body: Buffer, showSecrets: boolean, status = 200): SnapshotEntry {
  if (!isUtf8(body)) {
    // Base64 of a credential body would carry its secrets unmasked: hide such a body whole.
    if (!showSecrets && (isSecretPath(path) || binaryMayHoldSecrets(body))) return hiddenBinarySecret(path, status);
    return { path, kind: 'value', status, value: body.toString('base64'), encoding: 'base64' };
  }
  const text = body.toString('utf8');
  if (showSecrets) return { path, kind: 'value', status, value: text, encoding: 'utf8' };
  const masked = maskSecretsDetailed(path, text);
  return masked.masked
    ? { path, kind: 'value', status, value: masked.text, encoding: 'utf8', masked: true }
    : { path, kind: 'value', status, value: text, encoding: 'utf8' };
}

/** A binary body (not UTF-8) that still spells a secret field name in ASCII somewhere. */
function binaryMayHoldSecrets(body: Buffer): boolean {
  return mayHoldSecrets(body.toString('latin1'));
}

function hiddenBinarySecret(path: string, status: number): SnapshotEntry {
  return { path, kind: 'value', status, value: `${SECRET_MASK} (credential body hidden: not UTF-8 text)`, encoding: 'utf8', masked: true };
}

export function errorEntry(path: string, error: unknown): SnapshotEntry {
  if (isImdsError(error)) return { path, kind: 'error', status: error.status ?? 0, error: error.message };
  return { path, kind: 'error', status: 0, error: error instanceof Error ? error.message : String(error) };
}

/** Plain code-unit order, so the same tree always gives the same file and diffs line up. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortEntries(entries: Iterable<SnapshotEntry>): SnapshotEntry[] {
  return [...entries].sort((x, y) => comparePaths(x.path, y.path));
}

export interface BuildSnapshotInput {
  source: string;
  root: string;
  entries: Iterable<SnapshotEntry>;
  takenAt?: Date;
  stats?: Snapshot['stats'];
}

export function buildSnapshot(input: BuildSnapshotInput): Snapshot {
  const snapshot: Snapshot = {
    format: 'imds-snapshot',
    version: 1,
    source: input.source,
    takenAt: (input.takenAt ?? new Date()).toISOString(),
    root: input.root,
    entries: sortEntries(input.entries),
  };
  if (input.stats) snapshot.stats = input.stats;
  return snapshot;
}

/** A copy with secret values masked (for a snapshot taken with secrets shown). */
export function maskSnapshot(snapshot: Snapshot): Snapshot {
  return {
    ...snapshot,
    entries: snapshot.entries.map((entry) => {
      // By path and by content: a credential body may sit at any path (a role listed as a directory).
      if (entry.kind !== 'value' || entry.value === undefined) return entry;
      if (entry.encoding === 'base64') {
        return isSecretPath(entry.path) || binaryMayHoldSecrets(Buffer.from(entry.value, 'base64')) ? hiddenBinarySecret(entry.path, entry.status) : entry;
      }
      const masked = maskSecretsDetailed(entry.path, entry.value);
      return masked.masked ? { ...entry, value: masked.text, masked: true } : entry;
    }),
  };
}

/** The snapshot's values by path (text, or base64 for binary), for comparisons and tests. */
export function snapshotValues(snapshot: Snapshot): Map<string, string> {
  const values = new Map<string, string>();
  for (const entry of snapshot.entries) if (entry.kind === 'value' && entry.value !== undefined) values.set(entry.path, entry.value);
  return values;
}

export class SnapshotFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFormatError';
  }
}

function fail(where: string, what: string): never {
  throw new SnapshotFormatError(`Not an IMDS snapshot (${where}): ${what}`);
}

/** Checks an unknown value (parsed JSON) is a Snapshot; throws SnapshotFormatError naming the first problem. */
export function validateSnapshot(data: unknown, where = 'input'): Snapshot {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) fail(where, 'expected a JSON object');
  const o = data as Record<string, unknown>;
  if (o.format !== 'imds-snapshot') fail(where, `"format" must be "imds-snapshot" (got ${JSON.stringify(o.format)})`);
  if (o.version !== 1) fail(where, `unsupported "version" ${JSON.stringify(o.version)}; this tool reads version 1`);
  for (const key of ['source', 'takenAt', 'root'] as const) if (typeof o[key] !== 'string') fail(where, `"${key}" must be a string`);
  if (!Array.isArray(o.entries)) fail(where, '"entries" must be an array');
  if (o.incomplete !== undefined) {
    const inc = o.incomplete as Record<string, unknown> | null;
    if (inc === null || typeof inc !== 'object' || typeof inc.reason !== 'string' || typeof inc.at !== 'string') fail(where, '"incomplete" must be {"reason": string, "at": string}');
  }
  const seen = new Set<string>();
  (o.entries as unknown[]).forEach((raw, i) => {
    const at = `entries[${i}]`;
    if (raw === null || typeof raw !== 'object') fail(where, `${at} must be an object`);
    const e = raw as Record<string, unknown>;
    if (typeof e.path !== 'string' || !e.path.startsWith('/')) fail(where, `${at}.path must be an absolute path`);
    if (seen.has(e.path)) fail(where, `${at}.path ${e.path} appears twice`);
    seen.add(e.path);
    if (e.kind !== 'dir' && e.kind !== 'value' && e.kind !== 'error') fail(where, `${at}.kind must be dir, value or error`);
    if (typeof e.status !== 'number') fail(where, `${at}.status must be a number`);
    if (e.kind === 'dir' && (!Array.isArray(e.children) || !e.children.every((c) => typeof c === 'string'))) fail(where, `${at}.children must be a list of paths`);
    if (e.kind === 'value' && typeof e.value !== 'string') fail(where, `${at}.value must be a string`);
    if (e.encoding !== undefined && e.encoding !== 'utf8' && e.encoding !== 'base64') fail(where, `${at}.encoding must be utf8 or base64`);
    if (e.encoding === 'base64' && typeof e.value === 'string' && !/^[A-Za-z0-9+/]*={0,2}$/.test(e.value)) fail(where, `${at}.value is not base64`);
  });
  return data as Snapshot;
}

export function parseSnapshot(json: string, where = 'input'): Snapshot {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    fail(where, `not JSON (${jsonSyntaxProblem(error)})`);
  }
  return validateSnapshot(data, where);
}

/**
 * JSON.parse's complaint without the excerpt of the input V8 quotes in it (`Unexpected token 'I',
 * ..."Token": IQoJb3JpZ2"... is not valid JSON`): a snapshot saved with secrets must not have a
 * piece of a key echoed into an error message.
 */
function jsonSyntaxProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!/["']/.test(message)) return message; // "Unexpected end of JSON input", "... at position 42"
  return /^Unexpected token/.test(message) ? 'unexpected token' : 'syntax error';
}

export function serializeSnapshot(snapshot: Snapshot): string {
  return JSON.stringify(snapshot, null, 2) + '\n';
}

/** Writes the snapshot; masks secrets first unless `keepSecrets` (the caller asked to see them). */
export async function saveSnapshot(file: string, snapshot: Snapshot, options: { keepSecrets?: boolean } = {}): Promise<void> {
  const toWrite = options.keepSecrets ? snapshot : maskSnapshot(snapshot);
  // Owner-only when it may hold credentials. The open mode applies only to a new file, so one that
  // already exists (perhaps readable by others) is narrowed before the keys are written into it.
  const handle = await fs.open(file, 'w', options.keepSecrets ? 0o600 : 0o644);
  try {
    if (options.keepSecrets) await handle.chmod(0o600);
    await handle.writeFile(serializeSnapshot(toWrite), 'utf8');
  } finally {
    await handle.close();
  }
}

/** Largest snapshot file read (a real tree is a few hundred KB). */
export const MAX_SNAPSHOT_FILE_BYTES = 256 * 1024 * 1024;

export async function loadSnapshot(file: string): Promise<Snapshot> {
  return parseSnapshot((await readRegularFile(file, MAX_SNAPSHOT_FILE_BYTES, 'the snapshot file')).toString('utf8'), file);
}

export interface ChangedPath {
  path: string;
  before: SnapshotEntry;
  after: SnapshotEntry;
}

export interface SnapshotDiff {
  added: string[];
  removed: string[];
  changed: ChangedPath[];
}

function sameEntry(a: SnapshotEntry, b: SnapshotEntry): boolean {
  if (a.kind !== b.kind || a.status !== b.status) return false;
  if (a.kind === 'dir') return JSON.stringify(a.children ?? []) === JSON.stringify(b.children ?? []);
  if (a.kind === 'value') return a.value === b.value && (a.encoding ?? 'utf8') === (b.encoding ?? 'utf8');
  return a.error === b.error;
}

/** Paths only in b (added), only in a (removed), and in both with a different kind/status/value. */
export function diffSnapshots(a: Snapshot, b: Snapshot): SnapshotDiff {
  const before = new Map(a.entries.map((e) => [e.path, e]));
  const after = new Map(b.entries.map((e) => [e.path, e]));
  const added = [...after.keys()].filter((p) => !before.has(p)).sort(comparePaths);
  const removed = [...before.keys()].filter((p) => !after.has(p)).sort(comparePaths);
  const changed: ChangedPath[] = [];
  for (const [path, entry] of before) {
    const other = after.get(path);
    if (other && !sameEntry(entry, other)) changed.push({ path, before: entry, after: other });
  }
  changed.sort((x, y) => comparePaths(x.path, y.path));
  return { added, removed, changed };
}

export function isEmptyDiff(diff: SnapshotDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}
