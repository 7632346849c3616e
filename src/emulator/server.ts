// The local IMDS emulator: a node:http server that answers like the EC2 Instance Metadata Service
// (IMDSv1 and IMDSv2), with runtime-switchable scenarios and faults. No vscode import: the
// extension runs it in-process, the CLI runs it alone, and tests use it as the real IMDS peer.
//
// Hot path: one Set lookup for the version, one Map lookup for the route, one Map lookup for the
// token; bodies and header lists are precomputed when the tree changes, never per request.
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { CredentialRotator, CredentialTimings, defaultCredentialTimings } from './credentials';
import { InstanceFacts, defaultInstance, defaultUserData, imdsVersions } from './defaultInstance';
import { errorResponse } from './errorResponses';
import { EmulatorSettingError, durationSecondsProblem } from './bounds';
import { Faults, SourceMatcher, checkFaults, defaultFaults, hopsOf } from './faults';
import { buildInstanceLabels, buildInstanceLeaves, regionOfZone } from './instanceTree';
import { Leaf, Route, compileRoutes, deleteSubtree, findLeafConflict, normalizeTreePath } from './metadataTree';
import { ActiveScenario, createScenario } from './scenarios';
import { TokenStore, parseTokenTtl } from './tokens';
import { AemmConfig, AemmConfigError, ResolvedConfig, TreeOperation, isLoopback, resolveAemmConfig } from './aemmConfig';

export type Imdsv2Mode = 'optional' | 'required';

export interface EmulatorOptions {
  /** Address to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port to bind. Default 0: a free port. */
  port?: number;
  /** `optional` (default): v1 and v2 both work. `required`: every GET needs a valid token. */
  imdsv2?: Imdsv2Mode;
  /** false: IMDS turned off, every request answers 403. */
  enabled?: boolean;
  /** An AEMM-format config object, or the path of an AEMM JSON config file. */
  config?: AemmConfig | string;
  /** Refuse a config's unknown and ignored keys instead of warning about them. */
  strictConfig?: boolean;
  /** AEMM command-line flags bound to config keys, laid over the config (or over an empty one). */
  aemmOverlay?: (json: Record<string, unknown>) => Record<string, unknown>;
  /**
   * AEMM's mock-ip-count: only the first N distinct client addresses see spot, rebalance, event and
   * ASG notices; the others get 404. Undefined or negative: every client (the default here).
   */
  mockIpCount?: number;
  /** Raw user-data bytes. Default: a small cloud-config; `null` serves none (404). */
  userData?: Buffer | string | null;
  /** Shorthand for faults.latencyMs. */
  latencyMs?: number;
  faults?: Partial<Faults>;
  /** Scenario to start with (default `none`) and its options. */
  scenario?: string;
  scenarioOptions?: object;
  /** Lifetime and rotation of role credentials (tests use a few seconds). */
  credentials?: Partial<CredentialTimings>;
  /**
   * Told about an exception inside a request handler (the client got a bare 500). Default: one
   * line on stderr. Never given a request body or a secret, only the method, path and error.
   */
  onInternalError?: (message: string) => void;
}

export interface EmulatorStats {
  requests: number;
  tokenPuts: number;
  /** Requests per request path (query stripped); at most 10,000 distinct paths and 1 MiB of path text are kept. */
  byPath: Map<string, number>;
  reset(): void;
}

export interface Emulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly stats: EmulatorStats;
  /** The instance facts the default tree was built from (after config). */
  readonly facts: Readonly<InstanceFacts>;
  readonly imdsv2: Imdsv2Mode;
  readonly enabled: boolean;
  readonly scenario: { name: string; description: string };
  readonly faults: Readonly<Faults>;
  /** Things a config said that have no effect here (shown by the CLI). */
  readonly warnings: readonly string[];
  /** The notice client limit in force (AEMM's mock-ip-count), or undefined for none. */
  readonly mockIpCount: number | undefined;
  /** The config asked to be reloaded when its file changes (AEMM's watch-config-file); the CLI does it. */
  readonly watchConfigFile: boolean;
  setImdsv2(mode: Imdsv2Mode): void;
  setEnabled(enabled: boolean): void;
  /** Replaces user-data; undefined or null removes it (404, as on an instance launched without any). */
  setUserData(data: Buffer | string | undefined | null): void;
  /** Adds, replaces (value) or removes (undefined: leaf or whole subtree) any path; parents are listed. */
  setValue(path: string, value: string | Buffer | undefined): void;
  /** What the emulator serves at a leaf right now (scenarios included), or undefined. */
  getValue(path: string): Buffer | undefined;
  setFaults(faults: Partial<Faults>): void;
  /** Switches scenario at runtime: `none`, `spot-interruption`, `rebalance`, `scheduled-events`, `asg-lifecycle`, `iam-role-attach`. */
  setScenario(name: string, options?: object): void;
  close(): Promise<void>;
}

const TOKEN_PATH = '/latest/api/token';
const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
const TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';
const MAX_TRACKED_PATHS = 10_000;
/** Path statistics hold at most this many characters of path text (hostile clients send 15 KB URLs). */
const MAX_TRACKED_PATH_CHARS = 1024 * 1024;
/** Paths longer than this are counted in `requests` but never kept by name. */
const MAX_TRACKED_PATH_LENGTH = 1024;

const versionSet: ReadonlySet<string> = new Set(imdsVersions);

/**
 * Notice paths (under a version root) and the AEMM mock each belongs to: AEMM counts eligible
 * client addresses per mock (spot with rebalance, events, ASG lifecycle), so do we.
 */
const NOTICE_FAMILIES: ReadonlyMap<string, string> = new Map([
  ['meta-data/spot/instance-action', 'spot'],
  ['meta-data/spot/termination-time', 'spot'],
  ['meta-data/events/recommendations/rebalance', 'spot'],
  ['meta-data/events/maintenance/scheduled', 'events'],
  ['meta-data/autoscaling/target-lifecycle-state', 'asg'],
]);
const versionsRoute: Route = (() => {
  const body = Buffer.from(imdsVersions.join('\n'));
  return { kind: 'dir', body, headers: ['Content-Type', 'text/plain', 'Content-Length', String(body.length), 'Server', 'EC2ws'] };
})();

/**
 * A plausible zone id: `eu-central-1b` → `euc1-az2`. (Real ids map to letters per account; this
 * keeps the shape and the region right.)
 */
function zoneIdOf(zone: string, region: string): string {
  const [geo, direction, number] = region.split('-').filter((part) => part !== 'gov');
  const compass = /^(north|south)(east|west)$/.exec(direction);
  const dir = compass ? compass[1][0] + compass[2][0] : direction[0];
  const letter = zone.slice(-1);
  return `${geo}${dir}${number}-az${letter >= 'a' && letter <= 'z' ? letter.charCodeAt(0) - 96 : 1}`;
}

/**
 * The instance facts after a config: names that follow from changed facts are derived the way EC2
 * forms them (region from the zone, host names from the addresses), unless the config set them.
 */
function deriveFacts(changes: Partial<InstanceFacts>): InstanceFacts {
  const facts: InstanceFacts = { ...defaultInstance, ...changes };
  if (changes.availabilityZone !== undefined && changes.region === undefined) facts.region = regionOfZone(changes.availabilityZone);
  if (changes.region !== undefined && changes.availabilityZone === undefined) facts.availabilityZone = facts.region + 'a';
  if (changes.availabilityZone !== undefined || changes.region !== undefined) facts.availabilityZoneId = zoneIdOf(facts.availabilityZone, facts.region);
  const east1 = facts.region === 'us-east-1';
  if (changes.privateIp !== undefined || changes.region !== undefined || changes.availabilityZone !== undefined) {
    facts.localHostname = `ip-${facts.privateIp.replace(/\./g, '-')}.${east1 ? 'ec2.internal' : `${facts.region}.compute.internal`}`;
  }
  if (changes.publicIp !== undefined || changes.region !== undefined || changes.availabilityZone !== undefined) {
    facts.publicHostname = `ec2-${facts.publicIp.replace(/\./g, '-')}.${east1 ? 'compute-1' : `${facts.region}.compute`}.amazonaws.com`;
  }
  return facts;
}

/**
 * First value of a header, by scanning rawHeaders: cheaper than `req.headers`, which builds an
 * object of every header on first access. `lowerName` must be lower case.
 */
function rawHeader(raw: string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return raw[i + 1];
  }
  return undefined;
}

function toBuffer(value: Buffer | string): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
}

class ImdsEmulator implements Emulator {
  readonly stats: EmulatorStats;
  facts: InstanceFacts;
  imdsv2: Imdsv2Mode;
  enabled: boolean;
  faults: Faults;
  readonly warnings: string[];
  readonly mockIpCount: number | undefined;
  readonly watchConfigFile: boolean;
  /** Client addresses that see notices, per notice family; each holds at most mockIpCount. */
  private readonly noticeClients = new Map<string, Set<string>>();

  private server: Server;
  private address?: AddressInfo;
  private readonly tokens = new TokenStore();
  private readonly roleCredentials = new CredentialRotator();
  private readonly identityCredentials = new CredentialRotator();
  /** Base tree: defaults + config + setValue/setUserData. Scenarios are laid over it at compile time. */
  private baseLeaves: Map<string, Leaf>;
  private labels: Map<string, string>;
  /** Usually one; an AEMM config may start several at once (spot + events + ASG), as AEMM does. */
  private activeScenarios: ActiveScenario[] = [];
  private routes = new Map<string, Route>();
  private dirty = true;
  private containerSources = new SourceMatcher([]);
  private throttleWindowStart = 0;
  private throttleCount = 0;
  private trackedPathChars = 0;
  private readonly onInternalError: (message: string) => void;
  /** Token PUTs dropped by the hop-limit fault: held open until the client gives up or we close. */
  private readonly heldResponses = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(options: EmulatorOptions, config: ResolvedConfig | undefined) {
    this.facts = deriveFacts(config?.facts ?? {});
    this.warnings = [...(config?.warnings ?? [])];
    this.imdsv2 = options.imdsv2 ?? config?.imdsv2 ?? 'optional';
    this.enabled = options.enabled ?? config?.enabled ?? true;
    const ipCount = options.mockIpCount ?? config?.mockIpCount;
    if (ipCount !== undefined && !Number.isInteger(ipCount)) throw new Error(`mockIpCount must be a whole number of client addresses (got ${ipCount}).`);
    this.mockIpCount = ipCount !== undefined && ipCount >= 0 ? ipCount : undefined;
    this.watchConfigFile = config?.watchConfigFile ?? false;
    this.faults = { ...defaultFaults, containerSources: [] };
    this.onInternalError = options.onInternalError ?? ((message) => process.stderr.write(`imds-emulator: ${message}\n`));
    const timings = { ...defaultCredentialTimings, ...config?.credentialTimings, ...options.credentials };
    for (const field of ['ttlSeconds', 'rotateBeforeSeconds'] as const) {
      const problem = durationSecondsProblem(timings[field], field === 'ttlSeconds' ? 1 : 0);
      if (problem) throw new EmulatorSettingError(`Credential timing "${field}" ${problem}.`);
    }
    this.roleCredentials.setTimings(timings);
    this.identityCredentials.setTimings(timings);
    if (config?.credentialTemplate) this.roleCredentials.setTemplate(config.credentialTemplate);

    let userData: Buffer | undefined = Buffer.from(defaultUserData);
    if (config?.userData !== undefined) userData = config.userData ?? undefined;
    if (options.userData !== undefined) userData = options.userData === null ? undefined : toBuffer(options.userData);
    this.baseLeaves = buildInstanceLeaves(this.facts, {
      roleCredentials: () => this.roleCredentials.json(),
      identityCredentials: () => this.identityCredentials.json(),
    }, userData);
    this.labels = buildInstanceLabels(this.facts);
    for (const op of config?.operations ?? []) {
      try {
        this.applyOperation(op);
      } catch (err) {
        // Name the config key, not the runtime API the error speaks of otherwise.
        if (op.key === undefined) throw err;
        const problem = `"${op.key}" ${(err as Error).message.replace(/ Remove it first with setValue\(path, undefined\)\./, ' Remove the other one (null removes a path) or pick another path.')}`;
        throw new AemmConfigError(`Config ${config?.source} has a problem:\n  - ${problem}`, [problem], [op.key]);
      }
    }

    if (options.scenario !== undefined) this.setScenario(options.scenario, options.scenarioOptions);
    else if (config && config.scenarios.length > 0) {
      this.activeScenarios = config.scenarios.map((s) => createScenario(s.name, s.options, this.scenarioContext()));
    }
    this.setFaults({ ...config?.faults, ...options.faults, ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}) });

    this.stats = {
      requests: 0,
      tokenPuts: 0,
      byPath: new Map(),
      reset: () => {
        this.stats.requests = 0;
        this.stats.tokenPuts = 0;
        this.stats.byPath.clear();
        this.trackedPathChars = 0;
      },
    };
    this.server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => this.guarded(req, res, () => this.handle(req, res)));
    // CONNECT never reaches the request handler: node would close the socket without a word.
    this.server.on('connect', (_req: IncomingMessage, socket: Socket) => {
      const error = errorResponse(405);
      socket.on('error', () => undefined);
      socket.end(`HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: ${error.body.length}\r\n\r\n${error.body.toString('latin1')}`);
    });
    // A client that sends garbage gets a 400 from node and its socket closed; the server goes on.
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.sweepTimer = setInterval(() => this.tokens.sweep(), 60_000);
    this.sweepTimer.unref();
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.address = this.server.address() as AddressInfo;
        resolve();
      });
    });
  }

  get host(): string {
    return this.address?.address ?? '';
  }

  get port(): number {
    return this.address?.port ?? 0;
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  get scenario(): { name: string; description: string } {
    if (this.activeScenarios.length === 0) return { name: 'none', description: 'none' };
    return {
      name: this.activeScenarios.map((s) => s.name).join('+'),
      description: this.activeScenarios.map((s) => s.describe()).join('; '),
    };
  }

  setImdsv2(mode: Imdsv2Mode): void {
    if (mode !== 'optional' && mode !== 'required') throw new Error(`IMDSv2 mode must be "optional" or "required" (got ${JSON.stringify(mode)}).`);
    this.imdsv2 = mode;
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
  }

  setUserData(data: Buffer | string | undefined | null): void {
    if (data === undefined || data === null) this.baseLeaves.delete('user-data');
    else this.baseLeaves.set('user-data', toBuffer(data));
    this.dirty = true;
  }

  setValue(path: string, value: string | Buffer | undefined): void {
    const key = normalizeTreePath(path, versionSet);
    if (value === undefined) {
      deleteSubtree(this.baseLeaves, key);
    } else {
      if (!this.baseLeaves.has(key)) {
        const conflict = findLeafConflict(this.baseLeaves, key);
        if (conflict) throw new Error(`Cannot set ${path}: ${conflict}. Remove it first with setValue(path, undefined).`);
      }
      this.baseLeaves.set(key, toBuffer(value));
    }
    this.dirty = true;
  }

  private applyOperation(op: TreeOperation): void {
    if (op.kind === 'set') this.setValue(op.path, op.value);
    else if (op.kind === 'delete') this.setValue(op.path, undefined);
    else {
      const leaf = this.baseLeaves.get(op.from);
      if (leaf === undefined) throw new Error(`Config moves ${op.from}, which the default tree does not have; give its value too.`);
      this.baseLeaves.delete(op.from);
      const conflict = findLeafConflict(this.baseLeaves, op.to);
      if (conflict) throw new Error(`Config moves ${op.from} to ${op.to}: ${conflict}.`);
      this.baseLeaves.set(op.to, leaf);
      this.dirty = true;
    }
  }

  getValue(path: string): Buffer | undefined {
    const key = normalizeTreePath(path, versionSet);
    const route = this.currentRoutes().get(key);
    if (!route || route.kind !== 'value') return undefined;
    return route.produce ? route.produce() : route.body;
  }

  setFaults(faults: Partial<Faults>): void {
    for (const key of Object.keys(faults)) {
      if (!Object.hasOwn(defaultFaults, key)) throw new EmulatorSettingError(`Unknown fault "${key}". Known faults: ${Object.keys(defaultFaults).join(', ')}.`);
    }
    checkFaults(faults);
    const defined = Object.fromEntries(Object.entries(faults).filter(([, v]) => v !== undefined));
    const hopHeader = typeof defined.hopHeader === 'string' ? defined.hopHeader.toLowerCase() : this.faults.hopHeader;
    this.faults = { ...this.faults, ...defined, hopHeader };
    this.containerSources = new SourceMatcher(this.faults.containerSources);
  }

  setScenario(name: string, options?: object): void {
    const next = createScenario(name, options, this.scenarioContext());
    for (const scenario of this.activeScenarios) scenario.dispose();
    this.activeScenarios = name === 'none' ? [] : [next];
    // Leaving iam-role-attach (or entering it) must not keep credentials issued for another timeline.
    this.roleCredentials.reset();
    this.dirty = true;
  }

  close(): Promise<void> {
    clearInterval(this.sweepTimer);
    for (const scenario of this.activeScenarios) scenario.dispose();
    for (const res of this.heldResponses) res.destroy();
    this.heldResponses.clear();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private scenarioContext() {
    return {
      now: Date.now,
      facts: this.facts,
      invalidate: () => {
        this.dirty = true;
      },
      resetRoleCredentials: () => this.roleCredentials.reset(),
    };
  }

  private currentRoutes(): Map<string, Route> {
    if (this.dirty) {
      const leaves = new Map(this.baseLeaves);
      for (const scenario of this.activeScenarios) scenario.apply(leaves);
      this.routes = compileRoutes({ leaves, labels: this.labels });
      // Only once compiled: a compile that throws is tried again, not left as an empty table.
      this.dirty = false;
    }
    return this.routes;
  }

  /**
   * Runs a handler step; an exception becomes a bare 500 (no stack, no message: internals stay in
   * the log) and the server goes on serving. The emulator also runs inside the extension host.
   */
  private guarded(req: IncomingMessage, res: ServerResponse, step: () => void): void {
    try {
      step();
    } catch (err) {
      const path = (req.url ?? '/').split('?', 1)[0].slice(0, 200);
      this.onInternalError(`internal error answering ${req.method} ${path}: ${err instanceof Error ? err.message : String(err)}`);
      if (res.headersSent) res.destroy();
      else if (!res.destroyed) this.fail(res, 500);
    }
  }

  private countPath(url: string): void {
    const byPath = this.stats.byPath;
    const seen = byPath.get(url);
    if (seen !== undefined) byPath.set(url, seen + 1);
    else if (byPath.size < MAX_TRACKED_PATHS && url.length <= MAX_TRACKED_PATH_LENGTH && this.trackedPathChars + url.length <= MAX_TRACKED_PATH_CHARS) {
      byPath.set(url, 1);
      this.trackedPathChars += url.length;
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const stats = this.stats;
    stats.requests++;
    let url = req.url ?? '/';
    const q = url.indexOf('?');
    if (q >= 0) url = url.slice(0, q);
    // Repeated slashes are one: the AWS SDK's MetadataService asks for `//latest/...` (endpoint
    // pathname `/` + path), and the real service answers it.
    if (url.includes('//')) url = url.replace(/\/{2,}/g, '/');
    this.countPath(url);

    const faults = this.faults;
    let faultStatus = 0;
    if (faults.throttleRps > 0) {
      const now = Date.now();
      if (now - this.throttleWindowStart >= 1000) {
        this.throttleWindowStart = now;
        this.throttleCount = 0;
      }
      if (++this.throttleCount > faults.throttleRps) faultStatus = faults.throttleStatus;
    }
    if (faultStatus === 0 && faults.errorRate > 0 && Math.random() < faults.errorRate) faultStatus = 503;

    if (faults.latencyMs > 0) {
      const timer = setTimeout(() => {
        this.heldResponses.delete(res);
        if (!res.destroyed) this.guarded(req, res, () => this.answer(req, res, url, faultStatus));
      }, faults.latencyMs);
      // Closing the emulator must not wait for delayed answers.
      this.heldResponses.add(res);
      res.on('close', () => {
        clearTimeout(timer);
        this.heldResponses.delete(res);
      });
      return;
    }
    this.answer(req, res, url, faultStatus);
  }

  private answer(req: IncomingMessage, res: ServerResponse, url: string, faultStatus: number): void {
    if (!this.enabled) return this.fail(res, 403);
    if (faultStatus !== 0) return this.fail(res, faultStatus);
    const method = req.method;
    if (method === 'PUT') return this.putToken(req, res, url);
    if (method !== 'GET' && method !== 'HEAD') return this.fail(res, 405);

    const token = rawHeader(req.rawHeaders, TOKEN_HEADER);
    if (token !== undefined) {
      if (!this.tokens.isValid(token)) return this.fail(res, 401);
    } else if (this.imdsv2 === 'required') {
      return this.fail(res, 401);
    }

    let route: Route | undefined;
    if (url === '/') {
      route = versionsRoute;
    } else {
      const slash = url.indexOf('/', 1);
      const version = slash < 0 ? url.slice(1) : url.slice(1, slash);
      if (versionSet.has(version)) {
        const rest = slash < 0 ? '' : url.slice(slash + 1);
        // The token path only takes PUT: a GET there is not a way to get a token.
        if (rest === 'api/token') return this.fail(res, 405);
        if (this.mockIpCount !== undefined && !this.seesNotices(rest, req.socket.remoteAddress)) return this.fail(res, 404);
        route = this.currentRoutes().get(rest);
      }
    }
    if (route === undefined) return this.fail(res, 404);
    if (route.produce) {
      const body = route.produce();
      res.writeHead(200, ['Content-Type', 'text/plain', 'Content-Length', String(body.length), 'Server', 'EC2ws']);
      res.end(body);
      return;
    }
    res.writeHead(200, route.headers);
    res.end(route.body);
  }

  /**
   * AEMM's mock-ip-count: the first N distinct addresses that ask for a notice path keep seeing
   * notices; any later address gets 404 there, as AEMM does for the nodes of a cluster beyond N.
   */
  private seesNotices(rest: string, remoteAddress: string | undefined): boolean {
    const family = NOTICE_FAMILIES.get(rest.endsWith('/') ? rest.slice(0, -1) : rest);
    if (family === undefined) return true;
    const address = remoteAddress?.startsWith('::ffff:') ? remoteAddress.slice(7) : (remoteAddress ?? '');
    let clients = this.noticeClients.get(family);
    if (!clients) this.noticeClients.set(family, (clients = new Set()));
    if (clients.has(address)) return true;
    if (clients.size >= this.mockIpCount!) return false;
    clients.add(address);
    return true;
  }

  private putToken(req: IncomingMessage, res: ServerResponse, url: string): void {
    if (url !== TOKEN_PATH) {
      // A versioned token path is refused by design; other paths do not take PUT.
      return this.fail(res, url.endsWith('/api/token') ? 403 : 405);
    }
    const headers = req.headers;
    if (headers['x-forwarded-for'] !== undefined) return this.fail(res, 403);
    const hops = hopsOf(headers[this.faults.hopHeader], req.socket.remoteAddress, this.containerSources);
    if (hops > this.faults.hopLimit) {
      // The answer's IP TTL runs out on the way back: the client never hears from us.
      this.heldResponses.add(res);
      res.on('close', () => this.heldResponses.delete(res));
      return;
    }
    const ttl = parseTokenTtl(headers[TTL_HEADER]);
    if (ttl === undefined) return this.fail(res, 400);
    this.stats.tokenPuts++;
    const token = Buffer.from(this.tokens.issue(ttl));
    res.writeHead(200, ['Content-Type', 'text/plain', 'Content-Length', String(token.length), 'Server', 'EC2ws', 'X-Aws-Ec2-Metadata-Token-Ttl-Seconds', String(ttl)]);
    res.end(token);
  }

  private fail(res: ServerResponse, status: number): void {
    const error = errorResponse(status);
    res.writeHead(status, error.headers);
    res.end(error.body);
  }
}

/** Starts an emulator and resolves once it listens. Close it with `close()`. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const config =
    options.config === undefined && options.aemmOverlay === undefined
      ? undefined
      : await resolveAemmConfig(options.config ?? {}, Date.now(), { strict: options.strictConfig, overlay: options.aemmOverlay });
  const emulator = new ImdsEmulator(options, config);
  // A config written for AEMM usually says 0.0.0.0: never open the instance's secrets to the network
  // because a file said so. Only an explicit host option binds beyond loopback; the file still loads.
  let configHost = config?.host;
  if (options.host === undefined && configHost !== undefined && !isLoopback(configHost)) {
    const why = `asks to listen on ${configHost}, beyond loopback. Pass the host explicitly (--host ${configHost}) if you really mean it`;
    if (options.strictConfig) throw new Error(`Config ${config!.source} ${why}.`);
    emulator.warnings.push(`${config!.source}: "server.hostname" ${why}; listening on 127.0.0.1 instead.`);
    configHost = undefined;
  }
  const host = options.host ?? configHost ?? '127.0.0.1';
  const port = options.port ?? config?.port ?? 0;
  await emulator.listen(host, port);
  return emulator;
}

export { defaultInstance, defaultUserData, imdsVersions } from './defaultInstance';
export type { InstanceFacts } from './defaultInstance';
export type { Faults } from './faults';
export { scenarioNames, scenarioInfo } from './scenarios';
export type { AemmConfig } from './aemmConfig';
