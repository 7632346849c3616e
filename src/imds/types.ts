// The contracts every capability reads through: a MetadataSource answers list/get/snapshot for
// one instance, whatever the transport (emulator, direct link-local, SSM Run Command).
// No vscode import here: this runs in plain Node, in the CLI and in tests.

/** One line of an IMDS listing, already resolved to the child path to fetch. */
export interface ListingEntry {
  /** Display name as the service listed it, without a trailing slash (e.g. `ami-id`, `0=my-key`). */
  name: string;
  /** Absolute IMDS path of the child, e.g. `/latest/meta-data/public-keys/0/`. Directories end in `/`. */
  path: string;
  /** True for directories (listing lines ending in `/`, and `N=name` public-key entries). */
  isDirectory: boolean;
}

/** A value read from IMDS. Bodies are bytes; text is decoded as UTF-8 when it is text. */
export interface MetadataValue {
  path: string;
  /** Raw body (user-data may be binary). */
  body: Buffer;
  /** UTF-8 text of the body (may contain replacement characters for binary bodies). */
  text: string;
  /** HTTP status the service answered (200 for values). */
  status: number;
}

/** What a source says about how it reaches IMDS, for the status bar and the doctor. */
export interface SourceState {
  /** `v2` when a token is in use, `v1` when the client fell back to tokenless requests. */
  imdsMode: 'v2' | 'v1' | 'unknown';
  endpoint?: string;
  /** How a remote source reached the instance (SSM: session or Run Command, and why), once known. */
  transport?: string;
}

export type SourceKind = 'emulator' | 'direct' | 'ssm' | 'file';

export interface SnapshotOptions {
  /** Subtree to read, default `/latest/`. */
  root?: string;
  /** Include SecretAccessKey/Token in clear text. Default false: they are masked. */
  showSecrets?: boolean;
  /** Deepest directory read below the root (default 16; real IMDS is under 10 levels). */
  maxDepth?: number;
  /** Most paths (directories, values, errors) a crawl keeps (default 20,000; real IMDS has a few hundred). */
  maxEntries?: number;
  /** Total time for the whole crawl in ms (default 120,000). */
  maxTimeMs?: number;
}

export interface MetadataSource {
  readonly id: string;
  readonly label: string;
  readonly kind: SourceKind;
  list(path: string): Promise<ListingEntry[]>;
  get(path: string): Promise<MetadataValue>;
  snapshot(options?: SnapshotOptions): Promise<Snapshot>;
  /** Drop cached data (tokens stay valid; SSM sources take a new snapshot on next read). */
  refresh?(): void;
  state?(): SourceState;
  dispose?(): void | Promise<void>;
}

/** One path in a snapshot. Directories carry their children; values carry their text. */
export interface SnapshotEntry {
  /** Absolute IMDS path; directories end in `/`. */
  path: string;
  kind: 'dir' | 'value' | 'error';
  /** HTTP status the service answered for this path (0 when no answer came). */
  status: number;
  /** Children paths, in listing order (directories only). */
  children?: string[];
  /** The value: UTF-8 text, or base64 when `encoding` says so (binary user-data). */
  value?: string;
  encoding?: 'utf8' | 'base64';
  /** True when secret fields in `value` were replaced by a mask. */
  masked?: boolean;
  /** Message of the error that the path answered (kind `error`). */
  error?: string;
}

/** A whole subtree, JSON-able, ordered by path; saved to disk, loaded, compared. */
export interface Snapshot {
  format: 'imds-snapshot';
  version: 1;
  /** Human label of the source, e.g. `emulator http://127.0.0.1:1338` or `ssm i-0123 eu-west-1`. */
  source: string;
  /** ISO-8601 time the snapshot was taken. */
  takenAt: string;
  root: string;
  entries: SnapshotEntry[];
  /** How the read went: request counts and time, for benchmarks and the doctor. */
  stats?: { requests: number; tokenRequests: number; elapsedMs: number; imdsMode?: 'v2' | 'v1' };
  /** Set when the crawl stopped at a bound: the entries are what was read until then. */
  incomplete?: { reason: string; at: string };
}
