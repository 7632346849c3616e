// Turns the records a walk brought back from the instance into the same Snapshot the ImdsClient's
// crawl builds: the same visit order and rules (listing parse, malformed listings, error entries,
// text or base64 values, secret masking), applied to recorded answers instead of live requests.
// Paths the crawl needs but the walk did not record come back as `missing`, so the caller can read
// them with another command instead of presenting a silently smaller tree.

import {
  ImdsError,
  errorForStatus,
  malformedError,
  timeoutError,
  tokenUnavailableError,
  unreachableError,
} from '../../imds/errors';
import { DEFAULT_CRAWL_MAX_DEPTH, DEFAULT_CRAWL_MAX_ENTRIES, DEFAULT_CRAWL_MAX_TIME_MS } from '../../imds/crawlBounds';
import { TOKEN_PATH, isDirectoryPath, parseListingDetailed } from '../../imds/paths';
import { buildSnapshot, errorEntry, valueEntry } from '../../imds/snapshot';
import type { ListingEntry, Snapshot, SnapshotEntry } from '../../imds/types';
import type { Walk, WalkRecord } from './document';

export interface ReplayOptions {
  source: string;
  root: string;
  showSecrets: boolean;
  takenAt?: Date;
  stats?: Snapshot['stats'];
}

export interface Replay {
  snapshot: Snapshot;
  /** Parsed listings by directory path, for MetadataSource.list. */
  listings: Map<string, ListingEntry[]>;
  /** Paths the crawl reached that the walk has no record of. */
  missing: string[];
}

/** The error the client would have raised for this record, with the same message. */
export function recordError(record: WalkRecord, endpoint: string): ImdsError {
  if (record.status > 0) return errorForStatus(record.status, record.path, record.attempts);
  return failureError(record.failure ?? 'unknown', record.path, record.attempts, endpoint);
}

function failureError(failure: string, path: string, attempts: number, endpoint: string): ImdsError {
  const [kind, ...rest] = failure.split(':');
  const detail = rest.join(':');
  switch (kind) {
    case 'timeout':
      return timeoutError(path, Number(detail) || 5000, attempts);
    case 'connect-timeout':
      return unreachableError(path, endpoint, `no connection within ${Number(detail) || 1000} ms`);
    case 'unreachable':
      return unreachableError(path, endpoint, detail || 'no answer');
    case 'reset':
      return new ImdsError({
        code: 'Unreachable', path, attempts,
        summary: `Connection to IMDS at ${endpoint} was reset (${detail || 'ECONNRESET'}) ${attempts} time(s)`,
        remedy: 'IMDS (or something in between) keeps closing the connection: wait and retry; check for a proxy or firewall between this process and IMDS.',
      });
    case 'token-timeout':
      return tokenUnavailableError(TOKEN_PATH, 'timeout');
    case 'token-refused':
      return tokenUnavailableError(TOKEN_PATH, 'refused', Number(detail) || undefined);
    case 'token-status': {
      const [status, tries] = detail.split(':');
      return errorForStatus(Number(status), TOKEN_PATH, Number(tries) || 1);
    }
    case 'token-malformed':
      return malformedError(TOKEN_PATH, 'the token answer is empty or not a token');
    default:
      if (kind.startsWith('token-')) {
        // token-<transport failure>:<detail>:<attempts>
        const tries = Number(rest[rest.length - 1]) || 1;
        return failureError(`${kind.slice('token-'.length)}:${rest.slice(0, -1).join(':')}`, TOKEN_PATH, tries, endpoint);
      }
      return unreachableError(path, endpoint, failure);
  }
}

const STOP_REASONS = {
  depth: `the tree is deeper than ${DEFAULT_CRAWL_MAX_DEPTH} levels (real IMDS is under 10; a server that lists directories in a cycle never ends)`,
  entries: `the tree has more than ${DEFAULT_CRAWL_MAX_ENTRIES} paths (real IMDS has a few hundred)`,
  time: `the walk on the instance took longer than ${DEFAULT_CRAWL_MAX_TIME_MS / 1000} s`,
} as const;

/** Rebuilds the snapshot the client's crawl would produce from the walk's records. */
export function replayWalk(walk: Walk, options: ReplayOptions): Replay {
  const entries: SnapshotEntry[] = [];
  const listings = new Map<string, ListingEntry[]>();
  const missing: string[] = [];
  const root = options.root;

  const fail = (path: string, error: ImdsError) => {
    if (path === root) throw error;
    entries.push(errorEntry(path, error));
  };

  // The records come from another machine: their depth is bounded here too (visit recurses).
  let tooDeep: string | undefined;
  const visit = (path: string, depth: number): void => {
    const record = walk.records.get(path);
    if (!record) {
      missing.push(path);
      return;
    }
    if (record.status !== 200 || !record.body) {
      fail(path, recordError(record, walk.endpoint));
      return;
    }
    if (isDirectoryPath(path)) {
      const listing = parseListingDetailed(path, record.body);
      if (listing.fatal) return fail(path, malformedError(path, listing.fatal));
      if (listing.entries.length === 0 && listing.problems.length > 0) {
        return fail(path, malformedError(path, `line ${listing.problems[0].line} ${listing.problems[0].reason}`));
      }
      const entry: SnapshotEntry = { path, kind: 'dir', status: 200, children: listing.entries.map((e) => e.path) };
      if (listing.problems.length > 0) {
        entry.error = `${listing.problems.length} malformed line(s) skipped: ${listing.problems.map((p) => `line ${p.line} ${p.reason}`).join('; ')}`;
      }
      entries.push(entry);
      listings.set(path, listing.entries);
      if (listing.entries.length > 0 && depth >= DEFAULT_CRAWL_MAX_DEPTH) {
        tooDeep ??= path;
        return;
      }
      for (const child of listing.entries) visit(child.path, depth + 1);
      return;
    }
    entries.push(valueEntry(path, record.body, options.showSecrets));
  };

  visit(root, 0);
  const snapshot = buildSnapshot({ source: options.source, root, entries, takenAt: options.takenAt, stats: options.stats });
  const stopped = walk.stopped ?? (tooDeep === undefined ? undefined : { bound: 'depth' as const, at: tooDeep });
  if (stopped) snapshot.incomplete = { reason: STOP_REASONS[stopped.bound], at: stopped.at };
  return { snapshot, listings, missing };
}
