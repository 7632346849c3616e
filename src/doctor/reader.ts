// How the content checks (IAM, user data, events) read paths: live over HTTP with whatever access
// works (token or tokenless), or from a snapshot's recorded statuses (SSM, a saved file). The checks
// only see status + body, so they run the same on both.

import { probeWithRetry, type ProbeOptions } from './probes';
import type { Snapshot, SnapshotEntry } from '../imds/types';

export interface ReadResult {
  path: string;
  /** HTTP status; 0 when nothing answered (or the snapshot cannot say). */
  status: number;
  body?: Buffer;
  /** Evidence line for this read (never the body). */
  line: string;
  /** Throttled answers (429/503) met before this result. */
  throttled: number;
}

export interface TreeReader {
  /** How reads are made, for evidence: `GET with an IMDSv2 token`, `from the snapshot taken at ...`. */
  readonly how: string;
  read(path: string): Promise<ReadResult>;
}

export interface HttpReaderOptions extends ProbeOptions {
  requestTimeoutMs: number;
  retries: number;
  retryBaseMs: number;
}

export class HttpTreeReader implements TreeReader {
  readonly how: string;

  constructor(
    private readonly origin: string,
    private readonly token: string | undefined,
    private readonly options: HttpReaderOptions,
  ) {
    this.how = token !== undefined ? `GET with an IMDSv2 token from ${origin}` : `GET without a token (IMDSv1) from ${origin}`;
  }

  async read(path: string): Promise<ReadResult> {
    const result = await probeWithRetry(this.origin, { method: 'GET', path, token: this.token, timeoutMs: this.options.requestTimeoutMs }, this.options);
    const ex = result.exchange;
    const retried = result.attempts > 1 ? ` after ${result.attempts} attempts (${result.throttled} throttled)` : '';
    const line = ex.outcome === 'answered' ? `${path} → ${ex.status}${retried}` : `${path} → no answer (${ex.outcome}${ex.errorCode ? ` ${ex.errorCode}` : ''})`;
    return { path, status: ex.status, body: ex.outcome === 'answered' ? result.body : undefined, line, throttled: result.throttled };
  }
}

/** Reads a snapshot's entries; a path its parent listing does not name is a recorded 404. */
export class SnapshotTreeReader implements TreeReader {
  readonly how: string;
  private readonly byPath: Map<string, SnapshotEntry>;

  constructor(private readonly snapshot: Snapshot) {
    this.how = `from the snapshot "${snapshot.source}" taken at ${snapshot.takenAt}`;
    this.byPath = new Map(snapshot.entries.map((entry) => [entry.path, entry]));
  }

  async read(path: string): Promise<ReadResult> {
    const entry = this.byPath.get(path) ?? (path.endsWith('/') ? undefined : this.byPath.get(`${path}/`));
    if (entry) {
      if (entry.kind === 'error') return { path, status: entry.status, line: `${path} → ${entry.status || 'no answer'} (recorded${entry.error ? `: ${entry.error}` : ''})`, throttled: 0 };
      const body =
        entry.kind === 'dir'
          ? Buffer.from((entry.children ?? []).map((child) => child.slice(entry.path.length)).join('\n'))
          : Buffer.from(entry.value ?? '', entry.encoding === 'base64' ? 'base64' : 'utf8');
      return { path, status: entry.status, body, line: `${path} → ${entry.status} (recorded)`, throttled: 0 };
    }
    // Walk up to the nearest recorded ancestor: a listing that does not name the child is a 404.
    let child = path;
    for (let parent = parentOf(path); parent !== undefined; child = parent, parent = parentOf(parent)) {
      const ancestor = this.byPath.get(parent);
      if (!ancestor) continue;
      if (ancestor.kind === 'dir' && ancestor.status === 200) {
        const listed = (ancestor.children ?? []).some((c) => c === child || c === `${child}/` || `${c}/` === child);
        if (!listed) return { path, status: 404, line: `${path} → 404 (not in the recorded listing of ${parent})`, throttled: 0 };
        return { path, status: 0, line: `${path} → not recorded (listed under ${parent} but not read)`, throttled: 0 };
      }
      if (ancestor.kind === 'error') return { path, status: ancestor.status, line: `${path} → ${ancestor.status || 'no answer'} (recorded for ${parent})`, throttled: 0 };
      break;
    }
    return { path, status: 0, line: `${path} → not in the snapshot (its root is ${this.snapshot.root})`, throttled: 0 };
  }
}

/** `/latest/meta-data/iam/info` → `/latest/meta-data/iam/`; undefined above the root. */
function parentOf(path: string): string | undefined {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  const slash = trimmed.lastIndexOf('/');
  if (slash <= 0) return undefined;
  return trimmed.slice(0, slash + 1);
}
