// Reads the JSON config format of amazon-ec2-metadata-mock (AEMM) so its users can bring their
// files: `metadata`/`dynamic`/`userdata` sections of `paths` (key → URL path) and `values`
// (key → value), `imdsv2`, `spot`, `events`, `server`, and AEMM's top-level timing keys.
// Beyond AEMM: new keys that have both a path and a value add arbitrary paths (and tags), and an
// `emulator` section sets scenarios, faults and credential timings. Every file AEMM loads loads:
// keys are matched without regard to case (AEMM reads them through viper), and a key AEMM would
// ignore gets one warning naming it and the file; `strict` turns those into errors instead.
import { readRegularFile } from '../imds/regularFile';
import { durationSecondsProblem } from './bounds';
import { Credentials, CredentialTimings, imdsJson } from './credentials';
import { InstanceFacts, defaultInstance, imdsVersions } from './defaultInstance';
import { Faults, faultProblems } from './faults';
import { normalizeTreePath, unservableReason } from './metadataTree';
import { ScenarioOptionError, checkScenario } from './scenarios';

/** An AEMM-format config object as read from JSON. */
export type AemmConfig = Record<string, unknown>;

/** `key`: the config key it came from, so a conflict found while applying it can name it. */
export type TreeOperation =
  | { kind: 'set'; path: string; value: Buffer; key?: string }
  | { kind: 'delete'; path: string; key?: string }
  | { kind: 'move'; from: string; to: string; key?: string };

/** Largest config file read (AEMM configs are a few KB). */
export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;
/** Deepest nesting a config may have: AEMM's is 4 levels; values hold small JSON documents. */
export const MAX_CONFIG_DEPTH = 32;

/** What a config resolves to, in the emulator's own terms. */
export interface ResolvedConfig {
  /** File path, or `(config object)`. */
  source: string;
  /** Facts that shape the default tree's paths (AEMM rewrites paths that embed them). */
  facts: Partial<Pick<InstanceFacts, FactKey>>;
  /** Applied in order on top of the default tree. Paths are tree keys (`meta-data/...`). */
  operations: TreeOperation[];
  /** Raw user-data; null: none. */
  userData?: Buffer | null;
  /** Fixed credential fields; LastUpdated/Expiration stay live so SDKs accept them. */
  credentialTemplate?: Partial<Credentials>;
  credentialTimings?: Partial<CredentialTimings>;
  imdsv2?: 'optional' | 'required';
  enabled?: boolean;
  scenarios: { name: string; options: Record<string, unknown> }[];
  faults?: Partial<Faults>;
  host?: string;
  port?: number;
  /** AEMM's mock-ip-count: only the first N client addresses see notices; undefined or < 0: all. */
  mockIpCount?: number;
  /** AEMM's watch-config-file: reload the file when it changes (the CLI does it). */
  watchConfigFile?: boolean;
  /** Keys accepted but without effect here, and other things worth saying. */
  warnings: string[];
}

export interface AemmConfigOptions {
  /** Refuse unknown and ignored keys (naming each) instead of warning about them. */
  strict?: boolean;
  /** Changes laid over the file's JSON before it is read (AEMM flags bound to config keys). */
  overlay?: (json: Record<string, unknown>) => Record<string, unknown>;
}

export class AemmConfigError extends Error {
  constructor(
    message: string,
    /** Every problem found, one per key. */
    readonly problems: string[],
    /** The config keys at fault, dotted (`metadata.values.fooo`). */
    readonly keys: string[],
  ) {
    super(message);
    this.name = 'AemmConfigError';
  }
}

// AEMM's default path values embed these; a user's path copied from AEMM's defaults is rewritten
// to the effective value, as AEMM itself does when `mac`, `public-ipv4` or the role change.
const AEMM_DEFAULT_MAC = '0e:49:61:0f:c3:11';
const AEMM_DEFAULT_PUBLIC_IP = '192.0.2.54';
const AEMM_DEFAULT_ROLE = 'baskinc-role';
const AEMM_DEFAULT_EIA = 'eia-bfa21c7904f64a82a21b9f4540169ce1';

interface Placeholders {
  mac: string;
  publicIp: string;
  role: string;
  eia: string;
}

type FactKey = 'mac' | 'publicIp' | 'privateIp' | 'roleName' | 'instanceId' | 'imageId' | 'instanceType' | 'availabilityZone' | 'region';

/**
 * AEMM keys the default tree is built from: setting one changes every leaf that shows it (the
 * network interface, the identity document, host names), not just its own path.
 */
const FACT_KEYS: Record<string, { fact: FactKey; pattern: RegExp; what: string }> = {
  mac: { fact: 'mac', pattern: /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, what: 'a lower-case MAC address like 0e:49:61:0f:c3:11' },
  'public-ipv4': { fact: 'publicIp', pattern: /^\d{1,3}(\.\d{1,3}){3}$/, what: 'an IPv4 address' },
  'local-ipv4': { fact: 'privateIp', pattern: /^\d{1,3}(\.\d{1,3}){3}$/, what: 'an IPv4 address' },
  'iam-security-credentials-role': { fact: 'roleName', pattern: /^[\w+=,.@-]{1,64}$/, what: 'an IAM role name' },
  'instance-id': { fact: 'instanceId', pattern: /^i-[0-9a-f]{8,17}$/, what: 'an instance id like i-0123456789abcdef0' },
  'ami-id': { fact: 'imageId', pattern: /^ami-[0-9a-f]{8,17}$/, what: 'an AMI id like ami-0123456789abcdef0' },
  'instance-type': { fact: 'instanceType', pattern: /^[a-z0-9-]+\.[a-z0-9-]+$/, what: 'an instance type like t3.micro' },
  'placement-availability-zone': { fact: 'availabilityZone', pattern: /^[a-z]{2}(-gov)?-[a-z]+-\d+(-[a-z]+-\d+)?[a-z]$/, what: 'an availability zone like us-east-1a' },
  'placement-region': { fact: 'region', pattern: /^[a-z]{2}(-gov)?-[a-z]+-\d+$/, what: 'a region like us-east-1' },
};

/** AEMM metadata keys served as plain leaves: key → path under meta-data/ with placeholders. */
const METADATA_LEAVES: Record<string, string> = {
  'ami-id': 'ami-id',
  'ami-launch-index': 'ami-launch-index',
  'ami-manifest-path': 'ami-manifest-path',
  'block-device-mapping-ami': 'block-device-mapping/ami',
  'block-device-mapping-ebs': 'block-device-mapping/ebs0',
  'block-device-mapping-ephemeral': 'block-device-mapping/ephemeral0',
  'block-device-mapping-root': 'block-device-mapping/root',
  'block-device-mapping-swap': 'block-device-mapping/swap',
  'elastic-inference-accelerator': 'elastic-inference/associations/{eia}',
  hostname: 'hostname',
  'iam-info': 'iam/info',
  'instance-action': 'instance-action',
  'instance-id': 'instance-id',
  'instance-life-cycle': 'instance-life-cycle',
  'instance-type': 'instance-type',
  'kernel-id': 'kernel-id',
  'local-hostname': 'local-hostname',
  'local-ipv4': 'local-ipv4',
  mac: 'mac',
  'mac-device-number': 'network/interfaces/macs/{mac}/device-number',
  'mac-ipv4-associations': 'network/interfaces/macs/{mac}/ipv4-associations/{publicIp}',
  'mac-ipv6-associations': 'network/interfaces/macs/{mac}/ipv6s',
  'mac-local-hostname': 'network/interfaces/macs/{mac}/local-hostname',
  'mac-local-ipv4s': 'network/interfaces/macs/{mac}/local-ipv4s',
  'mac-mac': 'network/interfaces/macs/{mac}/mac',
  'mac-network-interface-id': 'network/interfaces/macs/{mac}/interface-id',
  'mac-network-interface-card-index': 'network/interfaces/macs/{mac}/network-card-index',
  'mac-owner-id': 'network/interfaces/macs/{mac}/owner-id',
  'mac-public-hostname': 'network/interfaces/macs/{mac}/public-hostname',
  'mac-public-ipv4s': 'network/interfaces/macs/{mac}/public-ipv4s',
  'mac-security-group-ids': 'network/interfaces/macs/{mac}/security-group-ids',
  'mac-security-groups': 'network/interfaces/macs/{mac}/security-groups',
  'mac-subnet-id': 'network/interfaces/macs/{mac}/subnet-id',
  'mac-subnet-ipv4-cidr-block': 'network/interfaces/macs/{mac}/subnet-ipv4-cidr-block',
  'mac-subnet-ipv6-cidr-blocks': 'network/interfaces/macs/{mac}/subnet-ipv6-cidr-blocks',
  'mac-vpc-id': 'network/interfaces/macs/{mac}/vpc-id',
  'mac-vpc-ipv4-cidr-block': 'network/interfaces/macs/{mac}/vpc-ipv4-cidr-block',
  'mac-vpc-ipv4-cidr-blocks': 'network/interfaces/macs/{mac}/vpc-ipv4-cidr-blocks',
  'mac-vpc-ipv6-cidr-blocks': 'network/interfaces/macs/{mac}/vpc-ipv6-cidr-blocks',
  'placement-availability-zone': 'placement/availability-zone',
  'placement-availability-zone-id': 'placement/availability-zone-id',
  'placement-group-name': 'placement/group-name',
  'placement-host-id': 'placement/host-id',
  'placement-partition-number': 'placement/partition-number',
  'placement-region': 'placement/region',
  'product-codes': 'product-codes',
  'public-hostname': 'public-hostname',
  'public-ipv4': 'public-ipv4',
  'public-key': 'public-keys/0/openssh-key',
  'ramdisk-id': 'ramdisk-id',
  'reservation-id': 'reservation-id',
  'security-groups': 'security-groups',
  'services-domain': 'services/domain',
  'services-partition': 'services/partition',
  'tags-instance-name': 'tags/instance/Name',
  'tags-instance-test': 'tags/instance/Test',
};

/**
 * Paths whose answers come from scenarios (spot, events, ASG) or live credentials: their AEMM path
 * keys are accepted at their standard place only.
 */
const METADATA_FIXED_PATHS: Record<string, string> = {
  events: 'events/maintenance/scheduled',
  'iam-security-credentials-role': 'iam/security-credentials',
  'iam-security-credentials': 'iam/security-credentials/{role}',
  spot: 'spot/instance-action',
  'spot-termination-time': 'spot/termination-time',
  'rebalance-rec-time': 'events/recommendations/rebalance',
  'target-lifecycle-state': 'autoscaling/target-lifecycle-state',
  'elastic-inference-associations': 'elastic-inference/associations',
};

/** Values that are not leaves of their own: they shape paths or other answers. */
const METADATA_VALUE_ONLY = new Set(['iam-security-credentials-role', 'iam-security-credentials', 'elastic-inference-associations', 'event-id']);

/** Object-valued keys and the fields each may hold. */
const OBJECT_FIELDS: Record<string, readonly string[]> = {
  'iam-info': ['Code', 'LastUpdated', 'InstanceProfileArn', 'InstanceProfileId'],
  'iam-security-credentials': ['Code', 'LastUpdated', 'Type', 'AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration'],
  'elastic-inference-accelerator': ['version_2018_04_12'],
  'instance-identity-document': [
    'accountId', 'architecture', 'availabilityZone', 'billingProducts', 'devpayProductCodes', 'marketplaceProductCodes',
    'imageId', 'instanceId', 'instanceType', 'kernelId', 'pendingTime', 'privateIp', 'ramdiskId', 'region', 'version',
  ],
};

const DYNAMIC_LEAVES: Record<string, string> = {
  'instance-identity-document': 'instance-identity/document',
  'instance-identity-pkcs': 'instance-identity/pkcs7',
  'instance-identity-signature': 'instance-identity/signature',
  // Not in AEMM: the real service has it too.
  'instance-identity-rsa2048': 'instance-identity/rsa2048',
  'fws-instance-monitoring': 'fws/instance-monitoring',
};

const TOP_LEVEL_KEYS = new Set([
  'metadata', 'dynamic', 'userdata', 'imdsv2', 'spot', 'events', 'server', 'mock-delay-sec', 'mock-trigger-time',
  'mock-ip-count', 'config-file', 'save-config-to-file', 'watch-config-file', 'rebalance-delay-sec',
  'rebalance-trigger-time', 'asg-termination-delay-sec', 'asg-termination-trigger-time', 'emulator',
]);
const IGNORED_TOP_LEVEL: Record<string, string> = {
  'config-file': 'the file is given on the command line here',
  'save-config-to-file': 'the emulator does not write config files',
};
const SPOT_KEYS = new Set(['action', 'time', 'rebalance-rec-time']);
const EVENTS_KEYS = new Set(['code', 'state', 'not-before', 'not-after', 'not-before-deadline']);
const SERVER_KEYS = new Set(['hostname', 'port']);
const EMULATOR_KEYS = new Set(['imdsv2', 'enabled', 'scenario', 'scenarioOptions', 'faults', 'credentials', 'tags', 'values']);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const versionSet: ReadonlySet<string> = new Set(imdsVersions);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The dotted key of the first value nested deeper than maxDepth, or undefined. Iterative: the
 * point is to refuse a 10,000-level document before anything recursive (JSON.stringify) sees it.
 */
function deeperThan(root: unknown, maxDepth: number): string | undefined {
  const stack: { value: unknown; key: string; depth: number }[] = [{ value: root, key: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, key, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) return key === '' ? '(top level)' : key.length > 200 ? key.slice(0, 200) + '…' : key;
    for (const [child, childValue] of Object.entries(value)) stack.push({ value: childValue, key: key === '' ? child : `${key}.${child}`, depth: depth + 1 });
  }
  return undefined;
}

/** An empty object without a prototype: looking up `toString` in it finds nothing. */
const empty = (): Record<string, unknown> => Object.create(null) as Record<string, unknown>;

/** A copy whose objects have no prototype (depth already bounded by deeperThan). */
function withoutPrototypes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPrototypes);
  if (typeof value !== 'object' || value === null) return value;
  const copy = Object.create(null) as Record<string, unknown>;
  for (const [key, child] of Object.entries(value)) copy[key] = withoutPrototypes(child);
  return copy;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length];
}

function suggestion(key: string, known: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(key, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 4)) ? ` Did you mean "${best}"?` : '';
}

/**
 * Collects problems so one run reports every bad key, not just the first. Unknown and ignored
 * keys are warnings (AEMM loads such files), or problems too when strict.
 */
class Problems {
  readonly list: string[] = [];
  readonly keys: string[] = [];
  constructor(
    private readonly strict: boolean,
    private readonly source: string,
    private readonly warnings: string[],
  ) {}
  add(key: string, message: string): void {
    this.keys.push(key);
    this.list.push(`"${key}" ${message}`);
  }
  /** A key AEMM would load and ignore: a warning naming it and the file, or a problem when strict. */
  ignored(key: string, message: string): void {
    if (this.strict) this.add(key, message);
    else this.warnings.push(`${this.source}: "${key}" ${message} Ignored (--strict-config refuses it).`);
  }
  unknown(key: string, name: string, known: Iterable<string>, hint = ''): void {
    const names = [...known];
    const guess = suggestion(name, names);
    // With no close match, a short list of what is allowed helps more than nothing.
    const list = !guess && names.length <= 12 ? ` Known keys here: ${names.join(', ')}.` : '';
    this.ignored(key, `is not a known key.${guess}${list}${hint}`);
  }
}

/**
 * AEMM reads its file through viper, which lower-cases every key: `Metadata`, `IMDSv2` and the
 * saved-config layout's `accountid` all load. Sections we own (`emulator`) keep their spelling.
 */
function lowerKeys(value: unknown, depth = 0): unknown {
  if (!isObject(value) || depth > 2) return value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, child] of Object.entries(value)) {
    const lower = key.toLowerCase();
    out[lower] = depth === 0 && lower === 'emulator' ? child : lowerKeys(child, depth + 1);
  }
  return out;
}

/** The canonical spelling of an object field matched without regard to case (`accountid` → `accountId`). */
function canonicalField(field: string, fields: readonly string[]): string | undefined {
  const lower = field.toLowerCase();
  return fields.find((f) => f.toLowerCase() === lower);
}

function fill(template: string, p: Placeholders): string {
  return template.replace('{mac}', p.mac).replace('{publicIp}', p.publicIp).replace('{role}', p.role).replace('{eia}', p.eia);
}

/** Rewrites values a user's path copied from AEMM's (or our) defaults to the effective ones. */
function rewritePlaceholders(path: string, p: Placeholders): string {
  let out = path;
  for (const [defaults, value] of [
    [[AEMM_DEFAULT_MAC, defaultInstance.mac], p.mac],
    [[AEMM_DEFAULT_PUBLIC_IP, defaultInstance.publicIp], p.publicIp],
    [[AEMM_DEFAULT_ROLE, defaultInstance.roleName], p.role],
    [[AEMM_DEFAULT_EIA], p.eia],
  ] as [string[], string][]) {
    for (const d of defaults) if (d !== value) out = out.split(d).join(value);
  }
  return out;
}

function valueToBuffer(value: unknown): Buffer {
  if (typeof value === 'string') return Buffer.from(value);
  if (isObject(value) && Object.values(value).every((v) => !isObject(v))) return Buffer.from(imdsJson(value));
  return Buffer.from(JSON.stringify(value, null, 2));
}

/** A boolean as AEMM (viper) reads one: true/false, or the strings "true"/"false". */
function aemmBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return undefined;
}

/** A number as AEMM reads one: a JSON number or a string of digits ("10"). */
function aemmNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

function secondsFromTrigger(value: string, nowMs: number): number {
  return Math.max(0, Math.ceil((Date.parse(value) - nowMs) / 1000));
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export { isLoopback };

/**
 * Resolves a config object (or a JSON file path) into the emulator's terms.
 * Throws AemmConfigError listing every bad key, or an Error when the file cannot be read or parsed.
 */
export async function resolveAemmConfig(config: AemmConfig | string, nowMs = Date.now(), options: AemmConfigOptions = {}): Promise<ResolvedConfig> {
  const lay = (json: unknown) => (options.overlay && isObject(json) ? options.overlay(json) : json);
  if (typeof config !== 'string') return parseAemmConfig(lay(config), '(config object)', nowMs, options);
  let text: string;
  try {
    text = (await readRegularFile(config, MAX_CONFIG_FILE_BYTES, 'the config file')).toString('utf8');
  } catch (err) {
    const message = (err as Error).message;
    throw new AemmConfigError(message, [message], ['(file)']);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`The config file ${config} is not valid JSON: ${(err as Error).message}`);
  }
  return parseAemmConfig(lay(json), config, nowMs, options);
}

export function parseAemmConfig(input: unknown, source: string, nowMs = Date.now(), options: AemmConfigOptions = {}): ResolvedConfig {
  const result: ResolvedConfig = { source, facts: {}, operations: [], scenarios: [], warnings: [] };
  const problems = new Problems(options.strict ?? false, source, result.warnings);
  const tooDeep = deeperThan(input, MAX_CONFIG_DEPTH);
  if (tooDeep !== undefined) {
    throw new AemmConfigError(`Config ${source}: "${tooDeep}" is nested more than ${MAX_CONFIG_DEPTH} levels deep; no config key needs that.`, [`"${tooDeep}" is nested too deep`], [tooDeep]);
  }
  // Objects without a prototype from here on: a key like __proto__, constructor or toString is
  // then only ever the config's own key, never something every object inherits.
  const raw = withoutPrototypes(input);
  if (!isObject(raw)) {
    throw new AemmConfigError(`Config ${source}: the top level must be a JSON object like {"metadata": {"values": {...}}}.`, ['the top level is not an object'], ['(top level)']);
  }
  const json = lowerKeys(raw) as Record<string, unknown>;

  for (const key of Object.keys(json)) {
    if (!TOP_LEVEL_KEYS.has(key)) problems.unknown(key, key, TOP_LEVEL_KEYS);
    else if (Object.hasOwn(IGNORED_TOP_LEVEL, key)) result.warnings.push(`${source}: "${key}" is accepted but has no effect here: ${IGNORED_TOP_LEVEL[key]}.`);
  }

  const section = (name: string): Record<string, unknown> | undefined => {
    const value = json[name];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) {
      problems.add(name, 'must be an object.');
      return undefined;
    }
    return value;
  };
  const pathsAndValues = (name: string): { paths: Record<string, unknown>; values: Record<string, unknown> } => {
    const s = section(name) ?? empty();
    for (const key of Object.keys(s)) if (key !== 'paths' && key !== 'values') problems.unknown(`${name}.${key}`, key, ['paths', 'values']);
    const get = (sub: string) => {
      const v = s[sub];
      if (v === undefined || v === null) return empty();
      if (!isObject(v)) {
        problems.add(`${name}.${sub}`, 'must be an object of key → ' + (sub === 'paths' ? 'URL path' : 'value') + '.');
        return empty();
      }
      return v;
    };
    return { paths: get('paths'), values: get('values') };
  };
  const stringValue = (key: string, value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    problems.add(key, `must be a string (got ${Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value}).`);
    return undefined;
  };
  const objectValue = (key: string, name: string, value: unknown): Record<string, unknown> | undefined => {
    if (!isObject(value)) {
      problems.add(key, 'must be a JSON object.');
      return undefined;
    }
    const fields = OBJECT_FIELDS[name];
    const canonical: Record<string, unknown> = {};
    for (const [field, fieldValue] of Object.entries(value)) {
      const known = canonicalField(field, fields);
      if (known === undefined) problems.unknown(`${key}.${field}`, field, fields);
      else canonical[known] = fieldValue;
    }
    return canonical;
  };
  const treePath = (key: string, value: unknown, root: 'meta-data' | 'dynamic' | 'user-data' | undefined): string | undefined => {
    const raw = stringValue(key, value);
    if (raw === undefined) return undefined;
    if (!raw.startsWith('/')) {
      problems.add(key, `must be an absolute URL path like "/latest/${root ?? 'meta-data'}/..." (got ${JSON.stringify(raw)}).`);
      return undefined;
    }
    let path: string;
    try {
      path = normalizeTreePath(raw, versionSet);
    } catch (err) {
      problems.add(key, (err as Error).message);
      return undefined;
    }
    if (root !== undefined && path !== root && !path.startsWith(root + '/')) {
      problems.add(key, `must be under /latest/${root}/ (got ${JSON.stringify(raw)}).`);
      return undefined;
    }
    if (path === 'api/token' || path.startsWith('api/')) {
      problems.add(key, 'cannot be under /latest/api/, which holds the IMDSv2 token endpoint.');
      return undefined;
    }
    return path;
  };

  // ----- metadata -----
  const metadata = pathsAndValues('metadata');
  const mv = metadata.values;
  const mp = metadata.paths;
  const placeholders: Placeholders = { mac: defaultInstance.mac, publicIp: defaultInstance.publicIp, role: defaultInstance.roleName, eia: AEMM_DEFAULT_EIA };
  for (const [key, { fact, pattern, what }] of Object.entries(FACT_KEYS)) {
    if (mv[key] === undefined) continue;
    const value = stringValue(`metadata.values.${key}`, mv[key]);
    if (value === undefined) continue;
    if (!pattern.test(value)) {
      problems.add(`metadata.values.${key}`, `must be ${what} (got ${JSON.stringify(value)}).`);
      continue;
    }
    result.facts[fact] = value;
  }
  if (result.facts.mac) placeholders.mac = result.facts.mac;
  if (result.facts.publicIp) placeholders.publicIp = result.facts.publicIp;
  if (result.facts.roleName) placeholders.role = result.facts.roleName;
  if (mv['elastic-inference-associations'] !== undefined) {
    const eia = stringValue('metadata.values.elastic-inference-associations', mv['elastic-inference-associations']);
    if (eia !== undefined) placeholders.eia = eia;
  }
  if (mv['iam-security-credentials'] !== undefined) {
    const creds = objectValue('metadata.values.iam-security-credentials', 'iam-security-credentials', mv['iam-security-credentials']);
    if (creds) {
      const template: Partial<Credentials> = {};
      for (const field of ['Code', 'Type', 'AccessKeyId', 'SecretAccessKey', 'Token'] as const) {
        if (creds[field] !== undefined) {
          const v = stringValue(`metadata.values.iam-security-credentials.${field}`, creds[field]);
          if (v !== undefined) template[field] = v;
        }
      }
      result.credentialTemplate = template;
      if (creds.Expiration !== undefined || creds.LastUpdated !== undefined) {
        result.warnings.push(`${source}: "metadata.values.iam-security-credentials": Expiration and LastUpdated are kept live (Expiration in the future) so that SDKs accept the credentials; the other fields are served as given.`);
      }
    }
  }

  for (const key of new Set([...Object.keys(mp), ...Object.keys(mv)])) {
    const pathKey = `metadata.paths.${key}`;
    const valueKey = `metadata.values.${key}`;
    const hasPath = mp[key] !== undefined;
    const hasValue = mv[key] !== undefined;
    if (Object.hasOwn(METADATA_FIXED_PATHS, key)) {
      if (hasPath) {
        const path = treePath(pathKey, mp[key], 'meta-data');
        const expected = 'meta-data/' + fill(METADATA_FIXED_PATHS[key], placeholders);
        if (path !== undefined && rewritePlaceholders(path, placeholders) !== expected) {
          problems.ignored(pathKey, `cannot move: this path is served live (scenarios, credentials) at /latest/${expected} only.`);
        }
      }
      if (hasValue && !METADATA_VALUE_ONLY.has(key)) {
        problems.ignored(valueKey, `has no value of its own: configure it through the ${key.startsWith('spot') || key === 'rebalance-rec-time' ? '"spot"' : key === 'events' ? '"events"' : '"emulator".scenario'} section.`);
      }
      continue;
    }
    if (METADATA_VALUE_ONLY.has(key)) {
      if (hasPath) problems.unknown(pathKey, key, Object.keys(METADATA_LEAVES));
      continue;
    }
    let value: Buffer | undefined;
    if (hasValue) {
      if (Object.hasOwn(OBJECT_FIELDS, key)) {
        const obj = objectValue(valueKey, key, mv[key]);
        if (obj) value = valueToBuffer(obj);
      } else if (Object.hasOwn(METADATA_LEAVES, key)) {
        const s = stringValue(valueKey, mv[key]);
        if (s !== undefined) value = Buffer.from(s);
      } else {
        value = valueToBuffer(mv[key]);
      }
    }
    if (Object.hasOwn(METADATA_LEAVES, key)) {
      const defaultPath = 'meta-data/' + fill(METADATA_LEAVES[key], placeholders);
      const userPath = hasPath ? treePath(pathKey, mp[key], 'meta-data') : undefined;
      const target = userPath === undefined ? defaultPath : rewritePlaceholders(userPath, placeholders);
      // Facts are already in the default tree (at every place they show); only a move is left to do.
      const isFact = Object.hasOwn(FACT_KEYS, key);
      if (target !== defaultPath) {
        if (value !== undefined && !isFact) result.operations.push({ kind: 'delete', path: defaultPath }, { kind: 'set', path: target, value });
        else result.operations.push({ kind: 'move', from: defaultPath, to: target });
      } else if (value !== undefined && !isFact) {
        result.operations.push({ kind: 'set', path: target, value });
      }
      continue;
    }
    // A key AEMM does not know: a new path if it has both a path and a value (AEMM cannot do this).
    // AEMM's saved-config layout also carries `userdata` here, outside meta-data: AEMM ignores it.
    if (hasPath && hasValue && typeof mp[key] === 'string' && !/^\/+[^/]+\/+meta-data(\/|$)/.test(mp[key])) {
      problems.ignored(pathKey, `names ${JSON.stringify(mp[key])}, outside /latest/meta-data/, under a key AEMM does not know.`);
    } else if (hasPath && hasValue) {
      const path = treePath(pathKey, mp[key], 'meta-data');
      if (path !== undefined && value !== undefined) result.operations.push({ kind: 'set', path: rewritePlaceholders(path, placeholders), value });
    } else if (hasValue) {
      problems.unknown(valueKey, key, [...Object.keys(METADATA_LEAVES), ...METADATA_VALUE_ONLY], ` To serve a new path, also give "${pathKey}": "/latest/meta-data/...".`);
    } else {
      problems.ignored(pathKey, `is not a known key.${suggestion(key, Object.keys(METADATA_LEAVES))} To serve a new path, also give "${valueKey}".`);
    }
  }

  // ----- dynamic -----
  const dynamic = pathsAndValues('dynamic');
  for (const key of new Set([...Object.keys(dynamic.paths), ...Object.keys(dynamic.values)])) {
    const pathKey = `dynamic.paths.${key}`;
    const valueKey = `dynamic.values.${key}`;
    const rawValue = dynamic.values[key];
    let value: Buffer | undefined;
    if (rawValue !== undefined) {
      if (Object.hasOwn(OBJECT_FIELDS, key)) {
        const obj = objectValue(valueKey, key, rawValue);
        if (obj) value = valueToBuffer(obj);
      } else if (Object.hasOwn(DYNAMIC_LEAVES, key)) {
        const s = stringValue(valueKey, rawValue);
        if (s !== undefined) value = Buffer.from(s);
      } else {
        value = valueToBuffer(rawValue);
      }
    }
    const userPath = dynamic.paths[key] !== undefined ? treePath(pathKey, dynamic.paths[key], 'dynamic') : undefined;
    if (Object.hasOwn(DYNAMIC_LEAVES, key)) {
      const defaultPath = 'dynamic/' + DYNAMIC_LEAVES[key];
      const target = userPath ?? defaultPath;
      if (target !== defaultPath) {
        if (value !== undefined) result.operations.push({ kind: 'delete', path: defaultPath }, { kind: 'set', path: target, value });
        else result.operations.push({ kind: 'move', from: defaultPath, to: target });
      } else if (value !== undefined) {
        result.operations.push({ kind: 'set', path: target, value });
      }
    } else if (userPath !== undefined && value !== undefined) {
      result.operations.push({ kind: 'set', path: userPath, value });
    } else if (rawValue !== undefined) {
      problems.unknown(valueKey, key, Object.keys(DYNAMIC_LEAVES), ` To serve a new path, also give "${pathKey}": "/latest/dynamic/...".`);
    } else if (dynamic.paths[key] !== undefined) {
      problems.ignored(pathKey, `is not a known key.${suggestion(key, Object.keys(DYNAMIC_LEAVES))} To serve a new path, also give "${valueKey}".`);
    }
  }

  // ----- userdata -----
  const userdata = pathsAndValues('userdata');
  for (const key of Object.keys(userdata.paths)) {
    if (key !== 'userdata') problems.unknown(`userdata.paths.${key}`, key, ['userdata']);
    else if (treePath('userdata.paths.userdata', userdata.paths.userdata, 'user-data') !== 'user-data' && !problems.keys.includes('userdata.paths.userdata')) {
      problems.ignored('userdata.paths.userdata', 'moves user-data, which the emulator serves at /latest/user-data only.');
    }
  }
  for (const key of Object.keys(userdata.values)) {
    if (key !== 'userdata') {
      problems.unknown(`userdata.values.${key}`, key, ['userdata']);
      continue;
    }
    const raw = userdata.values.userdata;
    if (raw === null) {
      result.userData = null;
      continue;
    }
    const b64 = stringValue('userdata.values.userdata', raw);
    if (b64 === undefined) continue;
    const compact = b64.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
      problems.add('userdata.values.userdata', 'must be base64 (AEMM stores user-data base64-encoded; the emulator serves it decoded).');
      continue;
    }
    result.userData = Buffer.from(compact, 'base64');
    if (result.userData.length > 16384) result.warnings.push(`${source}: "userdata.values.userdata" decodes to ${result.userData.length} bytes; EC2 limits user-data to 16384 bytes.`);
  }

  // ----- imdsv2 -----
  if (json.imdsv2 !== undefined) {
    const required = aemmBool(json.imdsv2);
    if (required !== undefined) result.imdsv2 = required ? 'required' : 'optional';
    else problems.add('imdsv2', 'must be true (IMDSv2 required) or false (optional).');
  }

  // ----- AEMM's mock-ip-count and watch-config-file -----
  if (json['mock-ip-count'] !== undefined) {
    const count = aemmNumber(json['mock-ip-count']);
    if (count !== undefined && Number.isInteger(count)) result.mockIpCount = count;
    else problems.add('mock-ip-count', `must be a whole number of client addresses (negative: no limit) (got ${JSON.stringify(json['mock-ip-count'])}).`);
  }
  if (json['watch-config-file'] !== undefined) {
    const watch = aemmBool(json['watch-config-file']);
    if (watch !== undefined) result.watchConfigFile = watch;
    else problems.add('watch-config-file', 'must be true or false.');
  }

  // ----- timing keys shared by spot, rebalance, events and ASG -----
  const delayFrom = (delayKey: string, triggerKey: string): number | undefined => {
    const trigger = json[triggerKey];
    if (trigger !== undefined && trigger !== '') {
      if (typeof trigger !== 'string' || !RFC3339.test(trigger)) {
        problems.add(triggerKey, `must be an RFC 3339 time like 2020-01-07T01:03:47Z (got ${JSON.stringify(trigger)}).`);
        return undefined;
      }
      const seconds = secondsFromTrigger(trigger, nowMs);
      const problem = durationSecondsProblem(seconds);
      if (problem) {
        problems.add(triggerKey, `is too far ahead: the delay it gives ${problem}.`);
        return undefined;
      }
      return seconds;
    }
    const raw = json[delayKey];
    if (raw === undefined) return undefined;
    const delay = aemmNumber(raw);
    const problem = durationSecondsProblem(delay ?? raw);
    if (problem) {
      problems.add(delayKey, `${problem}.`);
      return undefined;
    }
    return delay as number;
  };
  const time = (key: string, value: unknown): string | undefined => {
    if (typeof value === 'string' && RFC3339.test(value)) return value;
    problems.add(key, `must be an RFC 3339 time like 2020-01-07T01:03:47Z (got ${JSON.stringify(value)}).`);
    return undefined;
  };
  const mockDelay = delayFrom('mock-delay-sec', 'mock-trigger-time');

  // ----- spot -----
  const spot = section('spot');
  if (spot) {
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(spot)) {
      if (!SPOT_KEYS.has(key)) problems.unknown(`spot.${key}`, key, SPOT_KEYS);
      else if (key === 'action') {
        if (value === 'terminate' || value === 'stop' || value === 'hibernate') options.action = value;
        else problems.add('spot.action', `must be terminate, stop or hibernate (got ${JSON.stringify(value)}).`);
      } else if (key === 'time' && value !== '') {
        const t = time('spot.time', value);
        if (t) options.time = t;
      }
    }
    if (mockDelay !== undefined) options.delaySeconds = mockDelay;
    result.scenarios.push({ name: 'spot-interruption', options });
  }
  const rebalanceDelay = delayFrom('rebalance-delay-sec', 'rebalance-trigger-time');
  const rebalanceTime = spot?.['rebalance-rec-time'];
  if (rebalanceDelay !== undefined || (rebalanceTime !== undefined && rebalanceTime !== '')) {
    const options: Record<string, unknown> = {};
    if (rebalanceDelay !== undefined) options.delaySeconds = rebalanceDelay;
    if (rebalanceTime !== undefined && rebalanceTime !== '') {
      const t = time('spot.rebalance-rec-time', rebalanceTime);
      if (t) options.noticeTime = t;
    }
    result.scenarios.push({ name: 'rebalance', options });
  }

  // ----- events -----
  const events = section('events');
  if (events) {
    const options: Record<string, unknown> = {};
    const names: Record<string, string> = { 'not-before': 'notBefore', 'not-after': 'notAfter', 'not-before-deadline': 'notBeforeDeadline' };
    for (const [key, value] of Object.entries(events)) {
      if (!EVENTS_KEYS.has(key)) problems.unknown(`events.${key}`, key, EVENTS_KEYS);
      else if (key === 'code' || key === 'state') {
        if (typeof value === 'string' && value !== '') options[key] = value;
        else if (value !== '') problems.add(`events.${key}`, 'must be a string.');
      } else if (value !== '') {
        const t = time(`events.${key}`, value);
        if (t) options[names[key]] = t;
      }
    }
    if (mv['event-id'] !== undefined) {
      const id = stringValue('metadata.values.event-id', mv['event-id']);
      if (id) options.eventId = id;
    }
    if (mockDelay !== undefined) options.delaySeconds = mockDelay;
    result.scenarios.push({ name: 'scheduled-events', options });
  }
  if (mockDelay !== undefined && !spot && !events) result.warnings.push(`${source}: "mock-delay-sec"/"mock-trigger-time" have no effect without a "spot" or "events" section.`);

  // ----- ASG -----
  const asgDelay = delayFrom('asg-termination-delay-sec', 'asg-termination-trigger-time');
  if (asgDelay !== undefined) result.scenarios.push({ name: 'asg-lifecycle', options: { delaySeconds: asgDelay } });

  // ----- server -----
  const server = section('server');
  if (server) {
    for (const [key, value] of Object.entries(server)) {
      if (!SERVER_KEYS.has(key)) problems.unknown(`server.${key}`, key, SERVER_KEYS);
      else if (key === 'hostname') {
        if (typeof value === 'string' && value !== '') result.host = value;
        else if (value !== '') problems.add('server.hostname', 'must be a host name or address.');
      } else {
        const port = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
        if (typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535) result.port = port;
        else if (value !== '') problems.add('server.port', `must be a port number 0..65535 (got ${JSON.stringify(value)}).`);
      }
    }
  }

  // ----- emulator (ours) -----
  const emulator = section('emulator');
  if (emulator) {
    for (const [key, value] of Object.entries(emulator)) {
      const name = `emulator.${key}`;
      switch (key) {
        case 'imdsv2':
          if (value === 'optional' || value === 'required') result.imdsv2 = value;
          else problems.add(name, 'must be "optional" or "required".');
          break;
        case 'enabled':
          if (typeof value === 'boolean') result.enabled = value;
          else problems.add(name, 'must be true or false.');
          break;
        case 'scenario':
          if (typeof value === 'string') result.scenarios.push({ name: value, options: isObject(emulator.scenarioOptions) ? emulator.scenarioOptions : {} });
          else problems.add(name, 'must be a scenario name.');
          break;
        case 'scenarioOptions':
          if (!isObject(value)) problems.add(name, 'must be an object.');
          else if (emulator.scenario === undefined) problems.add(name, 'needs "emulator.scenario".');
          break;
        case 'faults':
          if (!isObject(value)) problems.add(name, 'must be an object like {"latencyMs": 50, "errorRate": 0.1}.');
          else {
            const bad = faultProblems(value);
            for (const { field, message } of bad) problems.add(`${name}.${field}`, `${message}.`);
            if (bad.length === 0) result.faults = value as Partial<Faults>;
          }
          break;
        case 'credentials':
          if (!isObject(value)) problems.add(name, 'must be an object like {"ttlSeconds": 3600, "rotateBeforeSeconds": 300}.');
          else {
            const timings: Partial<CredentialTimings> = {};
            for (const [field, seconds] of Object.entries(value)) {
              if (field !== 'ttlSeconds' && field !== 'rotateBeforeSeconds') problems.unknown(`${name}.${field}`, field, ['ttlSeconds', 'rotateBeforeSeconds']);
              else {
                const problem = durationSecondsProblem(seconds, field === 'ttlSeconds' ? 1 : 0);
                if (problem) problems.add(`${name}.${field}`, `${problem}.`);
                else timings[field] = seconds as number;
              }
            }
            result.credentialTimings = timings;
          }
          break;
        case 'tags':
          if (!isObject(value)) problems.add(name, 'must be an object of tag name → value.');
          else {
            for (const [tag, tagValue] of Object.entries(value)) {
              const tagKey = `${name}.${JSON.stringify(tag).slice(1, -1)}`;
              const unservable = unservableReason(tag);
              if (tag === '' || tag.includes('/') || tag === '.' || tag === '..') problems.add(tagKey, 'is not usable as a tag name in IMDS (no "/" allowed).');
              else if (unservable) problems.add(tagKey, `is not usable as a tag name: a tag name ${unservable}.`);
              else if (tagValue === null) result.operations.push({ kind: 'delete', path: `meta-data/tags/instance/${tag}`, key: tagKey });
              else {
                const s = stringValue(tagKey, tagValue);
                if (s !== undefined) result.operations.push({ kind: 'set', path: `meta-data/tags/instance/${tag}`, value: Buffer.from(s), key: tagKey });
              }
            }
          }
          break;
        case 'values':
          if (!isObject(value)) problems.add(name, 'must be an object of URL path → value (null removes).');
          else {
            for (const [path, pathValue] of Object.entries(value)) {
              const valueKey = `${name}.${JSON.stringify(path).slice(1, -1)}`;
              const tree = treePath(valueKey, path, undefined);
              if (tree === undefined) continue;
              if (pathValue === null) result.operations.push({ kind: 'delete', path: tree, key: valueKey });
              else result.operations.push({ kind: 'set', path: tree, value: valueToBuffer(pathValue), key: valueKey });
            }
          }
          break;
        default:
          problems.unknown(name, key, EMULATOR_KEYS);
      }
    }
  }

  // Scenario options are checked the way the emulator will start them: ranges, names, types.
  for (const scenario of result.scenarios) {
    try {
      checkScenario(scenario.name, scenario.options);
    } catch (err) {
      const fromEmulator = emulator?.scenario === scenario.name;
      const base = fromEmulator ? 'emulator.scenarioOptions' : scenario.name === 'spot-interruption' ? 'spot' : scenario.name === 'scheduled-events' ? 'events' : scenario.name;
      if (fromEmulator && !(err instanceof ScenarioOptionError)) problems.add('emulator.scenario', (err as Error).message);
      else problems.add(err instanceof ScenarioOptionError ? `${base}.${err.option}` : base, (err as Error).message);
    }
  }

  if (problems.list.length > 0) {
    const message = `Config ${source} has ${problems.list.length === 1 ? 'a problem' : `${problems.list.length} problems`}:\n` + problems.list.map((p) => `  - ${p}`).join('\n');
    throw new AemmConfigError(message, problems.list, problems.keys);
  }
  return result;
}
