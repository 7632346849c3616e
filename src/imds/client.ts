// The IMDS client: the one place that speaks the protocol. One IMDSv2 token reused until shortly
// before its TTL ends (the SDK clients fetch one per request), the IMDSv1 fallback policy, short
// connect timeouts so a laptop learns fast it is not on EC2, retries with backoff and jitter on
// 503/429/reset, bounded concurrency, a response size cap, and a concurrent whole-tree crawl.

import { Pool, buildConnector, errors as undiciErrors } from 'undici';
import {
  ImdsError,
  errorForStatus,
  disabledError,
  isImdsError,
  malformedError,
  timeoutError,
  tokenUnavailableError,
  invalidRequestError,
  tooLargeError,
  unreachableError,
  type ImdsErrorCode,
} from './errors';
import {
  isImdsDisabled,
  resolveEndpoint,
  resolveVersionPolicy,
  type EndpointChoice,
  type EndpointMode,
  type Env,
  type VersionPolicy,
} from './endpoint';
import { DEFAULT_ROOT, TOKEN_PATH, categoryPath, isDirectoryPath, normalizePath, parseListingDetailed, type ParsedListing } from './paths';
import { DEFAULT_CRAWL_MAX_DEPTH, DEFAULT_CRAWL_MAX_ENTRIES, DEFAULT_CRAWL_MAX_TIME_MS } from './crawlBounds';
import { Semaphore } from './semaphore';
import { ANSWER_TIMEOUT_CODES, CONNECT_TIMEOUT_CODE, RESET_CODES, UNREACHABLE_CODES, transportErrorCode } from './transportCodes';
import { buildSnapshot, errorEntry, valueEntry } from './snapshot';
import type { ListingEntry, MetadataValue, Snapshot, SnapshotEntry, SnapshotOptions, SourceState } from './types';

export const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
export const TOKEN_TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';
export const MAX_TOKEN_TTL_SECONDS = 21600;
/** The longest delay a Node timer holds; every timeout option is checked against it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A crawl that stopped at a bound; the entries read until then are kept in the snapshot. */
class CrawlStop extends Error {}

/** Checks a numeric option's range, naming it: a bad value must not become a 1 ms timer or a hang. */
function rangeOption(name: string, value: number, min: number, max: number, whole = true): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
    throw new RangeError(`${name} must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max} (got ${value}).`);
  }
  return value;
}

/** One HTTP exchange, for the UI's log. Never carries the token or a body. */
export interface RequestLog {
  method: 'GET' | 'PUT';
  path: string;
  /** HTTP status, or 0 when no answer came. */
  status: number;
  ms: number;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  /** Error code when the exchange failed without a status (Timeout, Unreachable, reset ...). */
  error?: ImdsErrorCode | 'Reset';
  bytes?: number;
}

export interface ImdsClientOptions {
  /** Endpoint URL (`http://169.254.169.254`, `http://[fd00:ec2::254]`, `http://127.0.0.1:1338`). */
  endpoint?: string;
  endpointMode?: EndpointMode;
  /** Environment to read AWS_EC2_METADATA_* from; default process.env. */
  env?: Env;
  /** `auto` (default): IMDSv2, falling back to IMDSv1 on 403/404/405 or a token timeout. */
  versionPolicy?: VersionPolicy;
  /** Requested token lifetime, 1..21600 s (default 21600). */
  tokenTtlSeconds?: number;
  /** Fetch a new token this long before the old one expires (default: min(60 s, TTL/10)). */
  tokenRefreshMarginSeconds?: number;
  /** Time to establish a TCP connection (default 1000 ms). */
  connectTimeoutMs?: number;
  /** Time for one request to be answered once connected (default 5000 ms). */
  requestTimeoutMs?: number;
  /** Time for the token PUT to be answered (default 2000 ms): short, as a timeout means "hop limit". */
  tokenTimeoutMs?: number;
  /** Retries after the first attempt on 503, 429 and connection resets (default 3). */
  maxRetries?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Requests in flight at once (default 16; a crawl keeps 2 of them for listings). */
  maxConcurrency?: number;
  /** Largest body accepted (default 1 MiB; user data is at most 16 KB). */
  maxResponseBytes?: number;
  /** Label for snapshots (default `imds <origin>`). */
  sourceLabel?: string;
  onRequest?: (log: RequestLog) => void;
  /** Things worth a log line that are not failures (fallback to IMDSv1, malformed listing lines). */
  onWarning?: (message: string) => void;
}

export interface ClientState extends SourceState {
  endpoint: string;
  versionPolicy: VersionPolicy;
  /** Seconds until the cached token expires, when one is cached. */
  tokenExpiresInSeconds?: number;
  /** Why the client reads without a token, when it fell back. */
  fallbackReason?: string;
  disabled: boolean;
}

export interface ClientCounters {
  requests: number;
  tokenRequests: number;
}

interface RawResponse {
  status: number;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
  attempts: number;
}

interface CachedToken {
  value: string;
  expiresAt: number;
  refreshAt: number;
}

/** Marks a transport failure worth another attempt (the connection was reset). */
class ResetError extends Error {
  constructor(readonly detail: string, readonly original: unknown) {
    super(detail);
  }
}

/**
 * undici times connects on a coarse clock (about half a second of slack); a laptop off EC2 should
 * learn within the connect timeout it asked for, so the connect gets its own precise timer.
 */
function preciseConnector(timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: 0 });
  return (options, callback) => {
    let settled = false;
    let socket: { destroy(): void } | undefined;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket?.destroy();
      callback(new undiciErrors.ConnectTimeoutError(`Connect timeout after ${timeoutMs} ms`), null);
    }, timeoutMs);
    const returned = connect(options, (...args) => {
      if (settled) {
        if (args[1]) args[1].destroy();
        return;
      }
      settled = true;
      clearTimeout(timer);
      callback(...args);
    }) as unknown;
    if (returned && typeof (returned as { destroy?: unknown }).destroy === 'function') socket = returned as { destroy(): void };
  };
}

/**
 * Delay before retry number `attempt` (1 = first retry): exponential, capped, with "equal jitter"
 * (half fixed, half random) so retries spread out but never collapse to zero. A Retry-After
 * (seconds) raises the delay, up to the cap.
 */
export function backoffDelayMs(
  attempt: number,
  limits: { baseMs: number; maxMs: number },
  retryAfter?: string | string[],
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(limits.maxMs, limits.baseMs * 2 ** (attempt - 1));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  const hinted = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  if (Number.isFinite(hinted) && hinted > 0) return Math.min(limits.maxMs, Math.max(jittered, hinted * 1000));
  return jittered;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class ImdsClient {
  readonly endpoint: EndpointChoice;
  readonly versionPolicy: VersionPolicy;
  readonly counters: ClientCounters = { requests: 0, tokenRequests: 0 };

  private readonly env: Env;
  private readonly pool: Pool;
  private readonly semaphore: Semaphore;
  private readonly tokenTtlSeconds: number;
  private readonly refreshMarginMs: number;
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly tokenTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly maxResponseBytes: number;
  private readonly sourceLabel: string;
  private readonly onRequest?: (log: RequestLog) => void;
  private readonly onWarning?: (message: string) => void;

  private token?: CachedToken;
  private tokenInFlight?: Promise<string | undefined>;
  /** `v1` once the client fell back to tokenless reads (remembered, as the SDKs do). */
  private mode: 'v2' | 'v1' | 'unknown' = 'unknown';
  private fallbackReason?: string;
  private closed = false;

  constructor(options: ImdsClientOptions = {}) {
    this.env = options.env ?? process.env;
    this.endpoint = resolveEndpoint({ endpoint: options.endpoint, endpointMode: options.endpointMode, env: this.env });
    this.versionPolicy = resolveVersionPolicy(options.versionPolicy, this.env);
    const ttl = options.tokenTtlSeconds ?? MAX_TOKEN_TTL_SECONDS;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) {
      throw new RangeError(`Token TTL must be a whole number of seconds from 1 to ${MAX_TOKEN_TTL_SECONDS} (got ${ttl}).`);
    }
    this.tokenTtlSeconds = ttl;
    this.refreshMarginMs = (options.tokenRefreshMarginSeconds ?? Math.min(60, ttl / 10)) * 1000;
    this.connectTimeoutMs = rangeOption('Connect timeout (ms)', options.connectTimeoutMs ?? 1000, 1, MAX_TIMER_MS, false);
    this.requestTimeoutMs = rangeOption('Request timeout (ms)', options.requestTimeoutMs ?? 5000, 1, MAX_TIMER_MS, false);
    this.tokenTimeoutMs = rangeOption('Token timeout (ms)', options.tokenTimeoutMs ?? 2000, 1, MAX_TIMER_MS, false);
    this.maxRetries = rangeOption('Retries', options.maxRetries ?? 3, 0, 20);
    this.retryBaseDelayMs = rangeOption('Retry base delay (ms)', options.retryBaseDelayMs ?? 100, 0, MAX_TIMER_MS, false);
    this.retryMaxDelayMs = rangeOption('Retry maximum delay (ms)', options.retryMaxDelayMs ?? 2000, 0, MAX_TIMER_MS, false);
    this.maxResponseBytes = rangeOption('Response size limit (bytes)', options.maxResponseBytes ?? 1024 * 1024, 1, 256 * 1024 * 1024);
    this.sourceLabel = options.sourceLabel ?? `imds ${this.endpoint.origin}`;
    this.onRequest = options.onRequest;
    this.onWarning = options.onWarning;
    const concurrency = rangeOption('Concurrency', options.maxConcurrency ?? 16, 1, 1024);
    this.semaphore = new Semaphore(concurrency);
    this.pool = new Pool(this.endpoint.origin, {
      connections: concurrency,
      connect: preciseConnector(this.connectTimeoutMs),
      headersTimeout: this.requestTimeoutMs,
      bodyTimeout: this.requestTimeoutMs,
      keepAliveTimeout: 4000,
      keepAliveMaxTimeout: 15000,
    });
  }

  state(): ClientState {
    const state: ClientState = {
      imdsMode: this.mode,
      endpoint: this.endpoint.origin,
      versionPolicy: this.versionPolicy,
      disabled: isImdsDisabled(this.env),
    };
    if (this.token) state.tokenExpiresInSeconds = Math.max(0, Math.round((this.token.expiresAt - Date.now()) / 1000));
    if (this.fallbackReason) state.fallbackReason = this.fallbackReason;
    return state;
  }

  /** Forgets the cached token and any IMDSv1 fallback, so the next read starts afresh. */
  resetSession(): void {
    this.token = undefined;
    this.mode = 'unknown';
    this.fallbackReason = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }

  /**
   * Reads a value (or a listing's raw body). Throws ImdsError for anything but 200.
   * A value asked with a trailing slash (`instance-id/`) gives the value: the real service answers
   * it as typed; a server that answers 404 to the slash (older mocks) is asked once without it.
   */
  async get(path: string, signal?: AbortSignal): Promise<MetadataValue> {
    const normalized = normalizePath(path);
    let response = await this.read(normalized, false, signal);
    let answered = normalized;
    const under = categoryPath(normalized).slice(0, -1);
    if (response.status === 404 && isDirectoryPath(normalized) && under !== '' && under !== 'meta-data' && under !== 'dynamic') {
      const bare = normalized.slice(0, -1);
      const retry = await this.read(bare, false, signal);
      if (retry.status === 200) [response, answered] = [{ ...retry, attempts: response.attempts + retry.attempts }, bare];
    }
    if (response.status !== 200) throw errorForStatus(response.status, normalized, response.attempts);
    return { path: answered, body: response.body, text: response.body.toString('utf8'), status: response.status };
  }

  /** Lists a directory. Malformed lines are skipped and reported through onWarning. */
  async list(path: string): Promise<ListingEntry[]> {
    return (await this.listDetailed(path)).entries;
  }

  /** Lists a directory and says which lines were refused. Throws when nothing usable came back. */
  async listDetailed(path: string, signal?: AbortSignal): Promise<ParsedListing> {
    let normalized = normalizePath(path);
    if (!isDirectoryPath(normalized)) normalized += '/';
    const response = await this.read(normalized, true, signal);
    if (response.status !== 200) throw errorForStatus(response.status, normalized, response.attempts);
    const parsed = parseListingDetailed(normalized, response.body);
    if (parsed.fatal) throw malformedError(normalized, parsed.fatal);
    if (parsed.entries.length === 0 && parsed.problems.length > 0) {
      throw malformedError(normalized, `line ${parsed.problems[0].line} ${parsed.problems[0].reason}`);
    }
    for (const problem of parsed.problems) {
      this.onWarning?.(`Skipped line ${problem.line} of ${normalized}: ${problem.reason}`);
    }
    return parsed;
  }

  /**
   * Reads a whole subtree (default /latest/) into a snapshot: every listing's children are fetched
   * at once (the semaphore bounds what is in flight, listings first), on one token.
   */
  async snapshot(options: SnapshotOptions = {}): Promise<Snapshot> {
    const root = normalizePath(options.root ?? DEFAULT_ROOT);
    const showSecrets = options.showSecrets ?? false;
    const maxDepth = rangeOption('Crawl depth', options.maxDepth ?? DEFAULT_CRAWL_MAX_DEPTH, 1, 1000);
    const maxEntries = rangeOption('Crawl entries', options.maxEntries ?? DEFAULT_CRAWL_MAX_ENTRIES, 1, 10_000_000);
    const maxTimeMs = rangeOption('Crawl time (ms)', options.maxTimeMs ?? DEFAULT_CRAWL_MAX_TIME_MS, 1, MAX_TIMER_MS, false);
    const started = performance.now();
    const before = { ...this.counters };
    const entries: SnapshotEntry[] = [];
    // Bounds: paths scheduled (not only finished) count, so a listing of a million names never
    // becomes a million pending reads; the deadline aborts what is in flight.
    let scheduled = 1;
    let incomplete: Snapshot['incomplete'];
    const abort = new AbortController();
    const stop = (reason: string, at: string) => {
      incomplete ??= { reason, at };
    };
    const deadline = setTimeout(() => {
      stop(`the crawl took longer than ${maxTimeMs} ms`, '(in flight)');
      abort.abort(new CrawlStop('deadline'));
    }, maxTimeMs);
    const depthOf = (path: string) => path.slice(root.length).split('/').filter((s) => s !== '').length;
    const visit = async (path: string): Promise<void> => {
      if (abort.signal.aborted) return;
      if (isDirectoryPath(path)) {
        let listing: ParsedListing;
        try {
          listing = await this.listDetailed(path, abort.signal);
        } catch (error) {
          if (abort.signal.aborted) {
            if (incomplete?.at === '(in flight)') incomplete.at = path;
            return;
          }
          if (path === root) throw error;
          entries.push(errorEntry(path, error));
          return;
        }
        const entry: SnapshotEntry = { path, kind: 'dir', status: 200, children: listing.entries.map((e) => e.path) };
        if (listing.problems.length > 0) {
          entry.error = `${listing.problems.length} malformed line(s) skipped: ${listing.problems.map((p) => `line ${p.line} ${p.reason}`).join('; ')}`;
        }
        entries.push(entry);
        // Listings go out before values: they are the crawl's critical path (the tree's depth).
        let children = [...listing.entries.filter((e) => e.isDirectory), ...listing.entries.filter((e) => !e.isDirectory)];
        if (children.length > 0 && depthOf(path) >= maxDepth) {
          stop(`the tree is deeper than ${maxDepth} levels (real IMDS is under 10; a server that lists directories in a cycle never ends)`, path);
          return;
        }
        if (scheduled + children.length > maxEntries) {
          stop(`the tree has more than ${maxEntries} paths (real IMDS has a few hundred)`, path);
          children = children.slice(0, Math.max(0, maxEntries - scheduled));
        }
        scheduled += children.length;
        await Promise.all(children.map((child) => visit(child.path)));
        return;
      }
      try {
        const value = await this.get(path, abort.signal);
        entries.push(valueEntry(path, value.body, showSecrets));
      } catch (error) {
        if (abort.signal.aborted) return;
        if (path === root) throw error;
        entries.push(errorEntry(path, error));
      }
    };
    try {
      await visit(root);
    } finally {
      clearTimeout(deadline);
    }
    if (incomplete?.at === '(in flight)') incomplete.at = root;
    const stats: Snapshot['stats'] = {
      requests: this.counters.requests - before.requests,
      tokenRequests: this.counters.tokenRequests - before.tokenRequests,
      elapsedMs: Math.round((performance.now() - started) * 10) / 10,
    };
    if (this.mode !== 'unknown') stats.imdsMode = this.mode;
    const snapshot = buildSnapshot({ source: this.sourceLabel, root, entries, stats });
    if (incomplete) snapshot.incomplete = incomplete;
    return snapshot;
  }

  // ---- protocol ------------------------------------------------------------------------------

  /** GET with the token policy applied: one fresh token and one more try on a 401. */
  private async read(path: string, isListing: boolean, signal?: AbortSignal): Promise<RawResponse> {
    if (isImdsDisabled(this.env)) throw disabledError(path);
    if (this.closed) throw new Error('The IMDS client is closed.');
    const token = await this.currentToken(false);
    const first = await this.send('GET', path, token ? { [TOKEN_HEADER]: token } : {}, this.requestTimeoutMs, isListing, signal);
    if (first.status !== 401) return first;
    if (this.versionPolicy === 'v1-only') {
      throw new ImdsError({
        code: 'Unauthorized', status: 401, path, attempts: first.attempts,
        summary: 'IMDSv2 is required here (401)',
        remedy: 'The instance requires IMDSv2 tokens but the version policy is v1-only: set it to auto or v2-only.',
      });
    }
    // The token expired or was revoked, or IMDSv2 became required while reading tokenless.
    this.dropToken(token);
    if (this.mode === 'v1') {
      this.onWarning?.(`IMDS answered 401 to a tokenless read of ${path}: IMDSv2 is now required, switching tokens back on.`);
      this.mode = 'unknown';
      this.fallbackReason = undefined;
    }
    const fresh = await this.currentToken(true);
    const second = await this.send('GET', path, fresh ? { [TOKEN_HEADER]: fresh } : {}, this.requestTimeoutMs, isListing, signal);
    return { ...second, attempts: first.attempts + second.attempts };
  }

  /** The token to send, fetching one if needed; undefined when reading tokenless (v1). */
  private async currentToken(required: boolean): Promise<string | undefined> {
    if (this.versionPolicy === 'v1-only') return undefined;
    if (!required && this.mode === 'v1') return undefined;
    if (this.token && Date.now() < this.token.refreshAt) return this.token.value;
    if (this.tokenInFlight) {
      // Concurrent readers share one PUT.
      const shared = await this.tokenInFlight;
      if (shared !== undefined || !required) return shared;
      // That fetch fell back to IMDSv1, but this caller got a 401 and needs a token: try itself.
      if (this.token && Date.now() < this.token.refreshAt) return this.token.value;
      if (this.tokenInFlight) return this.tokenInFlight;
    }
    const fetching = this.fetchToken(required).finally(() => {
      if (this.tokenInFlight === fetching) this.tokenInFlight = undefined;
    });
    this.tokenInFlight = fetching;
    return fetching;
  }

  private dropToken(token: string | undefined): void {
    if (token !== undefined && this.token?.value === token) this.token = undefined;
  }

  private fallBack(reason: string): undefined {
    this.mode = 'v1';
    this.fallbackReason = reason;
    this.onWarning?.(`Reading IMDS without a token (IMDSv1): ${reason}.`);
    return undefined;
  }

  /**
   * PUT /latest/api/token. With policy auto (and the token not required by a 401), 403/404/405 or a
   * timeout mean "no IMDSv2 here": fall back to IMDSv1 and remember it.
   */
  private async fetchToken(required: boolean): Promise<string | undefined> {
    const mayFallBack = this.versionPolicy === 'auto' && !required;
    const requestedAt = Date.now();
    let response: RawResponse;
    try {
      response = await this.send('PUT', TOKEN_PATH, { [TOKEN_TTL_HEADER]: String(this.tokenTtlSeconds) }, this.tokenTimeoutMs, true);
    } catch (error) {
      if (isImdsError(error) && error.code === 'Timeout') {
        if (mayFallBack) return this.fallBack(`the token PUT got no answer within ${this.tokenTimeoutMs} ms (hop limit too low for a container?)`);
        throw tokenUnavailableError(TOKEN_PATH, 'timeout', undefined, error);
      }
      throw error;
    }
    if (response.status === 200) {
      const value = response.body.toString('utf8').trim();
      // Printable ASCII only: a DEL or non-ASCII byte would make every later GET unsendable.
      if (value === '' || value.length > 4096 || /[^\x21-\x7e]/.test(value)) {
        throw malformedError(TOKEN_PATH, 'the token answer is empty, too long, or has characters a token never has (space, control, DEL or non-ASCII)');
      }
      const granted = Number(response.headers[TOKEN_TTL_HEADER]);
      const ttlSeconds = Number.isFinite(granted) && granted > 0 ? Math.min(granted, this.tokenTtlSeconds) : this.tokenTtlSeconds;
      const expiresAt = requestedAt + ttlSeconds * 1000;
      this.token = { value, expiresAt, refreshAt: expiresAt - Math.min(this.refreshMarginMs, (ttlSeconds * 1000) / 2) };
      this.mode = 'v2';
      this.fallbackReason = undefined;
      return value;
    }
    if (response.status === 404 || response.status === 405 || response.status === 403) {
      if (mayFallBack) return this.fallBack(`the token PUT answered ${response.status}`);
      // 403 is also what a turned-off IMDS answers; say that rather than "no tokens".
      if (response.status === 403) throw errorForStatus(403, TOKEN_PATH, response.attempts);
      throw tokenUnavailableError(TOKEN_PATH, 'refused', response.status);
    }
    throw errorForStatus(response.status, TOKEN_PATH, response.attempts);
  }

  /** One logical request: attempts with backoff on 503/429/reset. Answers any status it got. */
  private async send(method: 'GET' | 'PUT', path: string, headers: Record<string, string>, timeoutMs: number, urgent: boolean, signal?: AbortSignal): Promise<RawResponse> {
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw signal.reason;
      const release = await this.semaphore.acquire(urgent);
      const started = performance.now();
      let outcome: { status: number; body: Buffer; headers: RawResponse['headers'] } | undefined;
      let failure: unknown;
      try {
        outcome = await this.exchange(method, path, headers, timeoutMs, signal);
      } catch (error) {
        failure = error;
      } finally {
        release();
      }
      const ms = Math.round((performance.now() - started) * 10) / 10;
      this.counters.requests++;
      if (method === 'PUT') this.counters.tokenRequests++;
      const log: RequestLog = { method, path, status: outcome?.status ?? 0, ms, attempt };
      if (outcome) log.bytes = outcome.body.length;
      else log.error = failure instanceof ResetError ? 'Reset' : isImdsError(failure) ? failure.code : 'Unreachable';
      this.onRequest?.(log);

      const retryable = failure instanceof ResetError || (outcome !== undefined && (outcome.status === 503 || outcome.status === 429));
      if (retryable && attempt <= this.maxRetries && !this.closed && !signal?.aborted) {
        await sleep(this.backoffMs(attempt, outcome?.headers['retry-after']));
        continue;
      }
      if (failure instanceof ResetError) {
        throw new ImdsError({
          code: 'Unreachable', path, attempts: attempt, cause: failure.original,
          summary: `Connection to IMDS at ${this.endpoint.origin} was reset (${failure.detail}) ${attempt} time(s)`,
          remedy: 'IMDS (or something in between) keeps closing the connection: wait and retry; check for a proxy or firewall between this process and IMDS.',
        });
      }
      if (failure) throw failure;
      return { ...outcome!, attempts: attempt };
    }
  }

  private backoffMs(attempt: number, retryAfter: string | string[] | undefined): number {
    return backoffDelayMs(attempt, { baseMs: this.retryBaseDelayMs, maxMs: this.retryMaxDelayMs }, retryAfter);
  }

  /**
   * One HTTP exchange; transport failures become ImdsError (Timeout, Unreachable, TooLarge) or
   * ResetError. `timeoutMs` bounds the whole exchange, headers and body together: undici's own
   * body timeout only measures the gap between chunks, so a peer dripping a byte a second would
   * otherwise hold a request open for ever.
   */
  private async exchange(method: 'GET' | 'PUT', path: string, headers: Record<string, string>, timeoutMs: number, outer?: AbortSignal) {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const signal = outer ? AbortSignal.any([deadline.signal, outer]) : deadline.signal;
    const abortedError = (error: unknown): Error => {
      if (outer?.aborted) return outer.reason instanceof Error ? outer.reason : new CrawlStop('aborted');
      if (deadline.signal.aborted) return timeoutError(path, timeoutMs, undefined, error);
      return this.transportError(error, path, timeoutMs);
    };
    try {
      let response;
      try {
        response = await this.pool.request({
          method,
          path,
          headers: { 'user-agent': 'ec2-metadata-explorer', accept: '*/*', ...headers },
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal,
        });
      } catch (error) {
        throw abortedError(error);
      }
      const declared = Number(response.headers['content-length']);
      // Destroying a body makes it emit an abort error: give it a listener so it is not uncaught.
      response.body.on('error', () => undefined);
      if (Number.isFinite(declared) && declared > this.maxResponseBytes) {
        response.body.destroy();
        throw tooLargeError(path, this.maxResponseBytes);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of response.body) {
          size += (chunk as Buffer).length;
          if (size > this.maxResponseBytes) {
            response.body.destroy();
            throw tooLargeError(path, this.maxResponseBytes);
          }
          chunks.push(chunk as Buffer);
        }
      } catch (error) {
        if (isImdsError(error)) throw error;
        throw abortedError(error);
      }
      return { status: response.statusCode, body: Buffer.concat(chunks, size), headers: response.headers };
    } finally {
      clearTimeout(timer);
    }
  }

  private transportError(error: unknown, path: string, timeoutMs: number): Error {
    const code = transportErrorCode(error) ?? '';
    if (code === CONNECT_TIMEOUT_CODE) {
      return unreachableError(path, this.endpoint.origin, `no connection within ${this.connectTimeoutMs} ms`, error);
    }
    if (UNREACHABLE_CODES.has(code)) return unreachableError(path, this.endpoint.origin, code, error);
    if (ANSWER_TIMEOUT_CODES.has(code)) return timeoutError(path, timeoutMs, undefined, error);
    if (RESET_CODES.has(code)) return new ResetError(code === 'UND_ERR_SOCKET' ? 'socket closed' : code, error);
    if (code === 'UND_ERR_DESTROYED' || code === 'UND_ERR_CLOSED') return new Error('The IMDS client is closed.');
    // undici refused to send it (a header or path with characters HTTP does not allow): nothing
    // was sent, so "Cannot reach IMDS" would send the person looking at the network.
    if (code === 'UND_ERR_INVALID_ARG') return invalidRequestError(path, error);
    const detail = error instanceof Error ? error.message : String(error);
    return unreachableError(path, this.endpoint.origin, code || detail, error);
  }
}
