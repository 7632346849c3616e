// AEMM's command line (amazon-ec2-metadata-mock: `ec2-metadata-mock [spot|events|asglifecycle]
// [flags]`) taken as it is, so a person can swap the binary name and keep their command. AEMM binds
// every flag to a config key (viper); so do we: flags that are config keys become an overlay laid
// over the config file, and flags we have under another name are rewritten to ours.
// The README's "Coming from AEMM" table lists every flag and what it becomes.

export type AemmSubcommand = 'spot' | 'events' | 'asglifecycle';

/** Subcommand names and aliases, as AEMM's cobra commands declare them. */
const SUBCOMMANDS: Record<string, AemmSubcommand> = {
  spot: 'spot',
  events: 'events',
  se: 'events',
  scheduledevents: 'events',
  asglifecycle: 'asglifecycle',
  autoscaling: 'asglifecycle',
  asg: 'asglifecycle',
};

interface FlagRule {
  /** Our flag it becomes (value kept), or an AEMM config key path it sets. */
  ours?: string;
  key?: string[];
  /** Takes a value (AEMM string/int flags) or not (bool flags). */
  value: boolean;
  /** Only valid after this subcommand. */
  only?: AemmSubcommand;
  number?: boolean;
}

/** AEMM's root (persistent) flags, long and short. */
const ROOT_FLAGS: Record<string, FlagRule> = {
  hostname: { ours: 'host', value: true },
  n: { ours: 'host', value: true },
  p: { ours: 'port', value: true },
  'config-file': { ours: 'config', value: true },
  c: { ours: 'config', value: true },
  'watch-config-file': { ours: 'watch', value: false },
  w: { ours: 'watch', value: false },
  'save-config-to-file': { value: false },
  s: { value: false },
  'mock-delay-sec': { key: ['mock-delay-sec'], value: true, number: true },
  d: { key: ['mock-delay-sec'], value: true, number: true },
  'mock-trigger-time': { key: ['mock-trigger-time'], value: true },
  x: { ours: 'mock-ip-count', value: true },
  I: { ours: 'imdsv2', value: false },
  'rebalance-delay-sec': { key: ['rebalance-delay-sec'], value: true, number: true },
  'rebalance-trigger-time': { key: ['rebalance-trigger-time'], value: true },
  'asg-termination-delay-sec': { key: ['asg-termination-delay-sec'], value: true, number: true },
  'asg-termination-trigger-time': { key: ['asg-termination-trigger-time'], value: true },
};

/** Subcommand flags; `-t` and `-a` mean different things under spot and events, as in AEMM. */
const SUB_FLAGS: Record<AemmSubcommand, Record<string, FlagRule>> = {
  spot: {
    action: { key: ['spot', 'action'], value: true },
    a: { key: ['spot', 'action'], value: true },
    time: { key: ['spot', 'time'], value: true },
    t: { key: ['spot', 'time'], value: true },
    'rebalance-rec-time': { key: ['spot', 'rebalance-rec-time'], value: true },
    r: { key: ['spot', 'rebalance-rec-time'], value: true },
  },
  events: {
    code: { key: ['events', 'code'], value: true },
    o: { key: ['events', 'code'], value: true },
    state: { key: ['events', 'state'], value: true },
    t: { key: ['events', 'state'], value: true },
    'not-before': { key: ['events', 'not-before'], value: true },
    b: { key: ['events', 'not-before'], value: true },
    'not-after': { key: ['events', 'not-after'], value: true },
    a: { key: ['events', 'not-after'], value: true },
    'not-before-deadline': { key: ['events', 'not-before-deadline'], value: true },
    l: { key: ['events', 'not-before-deadline'], value: true },
  },
  asglifecycle: {},
};

/** Our own flags that take a value, so their values are not taken for a subcommand name. */
const OUR_VALUE_FLAGS = new Set([
  'port', 'host', 'config', 'user-data', 'credentials-ttl', 'scenario', 'scenario-option', 'delay', 'latency', 'error-rate',
  'throttle-rps', 'throttle-status', 'hop-limit', 'hop-header', 'container-source', 'mock-ip-count',
]);

export interface AemmArgs {
  /** Our flags, AEMM's aliases rewritten to them. */
  args: string[];
  /** AEMM config keys given as flags, laid over the config file (flags win, as in AEMM). */
  overlay: Record<string, unknown>;
  subcommand?: AemmSubcommand;
  /** Things to tell the person (flags accepted without effect). */
  notes: string[];
}

export class AemmFlagError extends Error {}

function setKey(target: Record<string, unknown>, key: string[], value: unknown): void {
  let node = target;
  for (const part of key.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[key[key.length - 1]] = value;
}

/**
 * Splits an argv that may use AEMM's command line into our flags and an AEMM config overlay.
 * Throws AemmFlagError for an AEMM flag without its value or a subcommand flag without its subcommand.
 */
export function takeAemmArgs(argv: readonly string[]): AemmArgs {
  const out: AemmArgs = { args: [], overlay: {}, notes: [] };
  // Cobra finds the subcommand among the positionals first, then parses every flag with its flag set.
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      const name = arg.replace(/^--?/, '').split('=', 1)[0];
      const rule = ROOT_FLAGS[name] ?? Object.values(SUB_FLAGS).find((flags) => flags[name])?.[name];
      if (!arg.includes('=') && (rule ? rule.value : OUR_VALUE_FLAGS.has(name))) i++;
      continue;
    }
    if (SUBCOMMANDS[arg] && out.subcommand === undefined) {
      out.subcommand = SUBCOMMANDS[arg];
      continue;
    }
  }
  let subcommandSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!subcommandSeen && out.subcommand !== undefined && SUBCOMMANDS[arg] === out.subcommand) {
      subcommandSeen = true;
      continue;
    }
    const m = /^(--?)([^=]+)(?:=(.*))?$/.exec(arg);
    if (!m || arg === '--') {
      out.args.push(arg);
      continue;
    }
    const [, dashes, name, inline] = m;
    // Short flags are AEMM's only with one dash; long ones with two (cobra/pflag rules).
    const isShort = dashes === '-' && name.length === 1;
    if (dashes === '-' && !isShort) {
      out.args.push(arg);
      continue;
    }
    const sub = out.subcommand ? SUB_FLAGS[out.subcommand][name] : undefined;
    const other = sub || ROOT_FLAGS[name] ? undefined : (Object.keys(SUB_FLAGS) as AemmSubcommand[]).find((command) => SUB_FLAGS[command][name]);
    const rule = sub ?? ROOT_FLAGS[name];
    if (!rule) {
      // Our --imdsv2 also takes AEMM's bool spelling: --imdsv2=true / --imdsv2=false.
      if (name === 'imdsv2' && (inline === 'true' || inline === 'false')) out.args.push('--imdsv2', inline === 'true' ? 'required' : 'optional');
      else if (other) throw new AemmFlagError(`${dashes}${name} is a flag of AEMM's "${other}" command: put "${other}" on the command line (e.g. imds-emulator ${other} ${dashes}${name} ...).`);
      else out.args.push(arg);
      continue;
    }
    let value: string | undefined;
    if (rule.value) {
      value = inline ?? argv[++i];
      if (value === undefined) throw new AemmFlagError(`${dashes}${name} needs a value.`);
    } else if (inline !== undefined && !/^(true|false)$/.test(inline)) {
      throw new AemmFlagError(`${dashes}${name} takes no value (or =true / =false), got "${inline}".`);
    }
    const on = inline !== 'false';
    if (rule.ours !== undefined) {
      if (rule.value) out.args.push(`--${rule.ours}`, value!);
      else if (on) out.args.push(`--${rule.ours}`);
      else if (rule.ours === 'imdsv2') out.args.push('--imdsv2', 'optional');
    } else if (rule.key !== undefined) {
      let keyValue: unknown = value;
      if (rule.number) {
        keyValue = Number(value);
        if (value!.trim() === '' || !Number.isInteger(keyValue)) throw new AemmFlagError(`${dashes}${name} must be a whole number of seconds (got "${value}").`);
      }
      setKey(out.overlay, rule.key, keyValue);
    } else if (on) {
      out.notes.push(`${dashes}${name} is accepted for AEMM command lines but writes nothing: the emulator never saves its configuration (it would put credentials on disk).`);
    }
  }
  return out;
}

/**
 * Lays the flags' overlay over a config (both AEMM-format), and turns on what AEMM's command serves:
 * `spot` serves the Spot notice and rebalance recommendation, `events` the scheduled event,
 * `asglifecycle` the target lifecycle state; with no subcommand, AEMM's root timing flags turn on
 * the notices they time (the root command serves them all).
 */
export function applyAemmArgs(config: Record<string, unknown>, aemm: AemmArgs): Record<string, unknown> {
  const merged = mergeDeep(config, aemm.overlay);
  const keys = new Set(Object.keys(merged).map((k) => k.toLowerCase()));
  const drop = (...names: string[]) => {
    for (const key of Object.keys(merged)) if (names.includes(key.toLowerCase())) delete merged[key];
  };
  switch (aemm.subcommand) {
    case 'spot':
      drop('events', 'asg-termination-delay-sec', 'asg-termination-trigger-time');
      if (!keys.has('spot')) merged.spot = {};
      if (!keys.has('rebalance-delay-sec') && !keys.has('rebalance-trigger-time')) merged['rebalance-delay-sec'] = 0;
      break;
    case 'events':
      drop('spot', 'rebalance-delay-sec', 'rebalance-trigger-time', 'asg-termination-delay-sec', 'asg-termination-trigger-time');
      if (!keys.has('events')) merged.events = {};
      break;
    case 'asglifecycle':
      drop('spot', 'events', 'rebalance-delay-sec', 'rebalance-trigger-time');
      if (!keys.has('asg-termination-delay-sec') && !keys.has('asg-termination-trigger-time')) merged['asg-termination-delay-sec'] = 0;
      break;
    default:
      if ('mock-delay-sec' in aemm.overlay || 'mock-trigger-time' in aemm.overlay) {
        if (!keys.has('spot')) merged.spot = {};
        if (!keys.has('events')) merged.events = {};
      }
  }
  return merged;
}

function mergeDeep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    // The file's key may differ in case (AEMM matches keys without regard to it).
    const existing = Object.keys(out).find((k) => k.toLowerCase() === key);
    const current = existing === undefined ? undefined : out[existing];
    if (existing !== undefined) delete out[existing];
    const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
    out[key] = isObj(value) && isObj(current) ? mergeDeep(current, value) : value;
  }
  return out;
}
