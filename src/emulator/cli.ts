// Command line for the IMDS emulator: `npm run emulator -- [options]` or the `imds-emulator` bin.
// Prints exactly one stdout line when ready (`IMDS emulator listening on http://HOST:PORT`) so
// scripts can wait for it; everything else goes to stderr. Secrets are never printed.
import { watch } from 'node:fs';
import { basename, dirname, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { readRegularFile } from '../imds/regularFile';
import { AemmConfigError, isLoopback, resolveAemmConfig } from './aemmConfig';
import { AemmArgs, AemmFlagError, applyAemmArgs, takeAemmArgs } from './aemmFlags';
import { EmulatorSettingError, MAX_DURATION_SECONDS, MAX_THROTTLE_RPS, MAX_TIMER_MS } from './bounds';
import { Faults, checkFaults } from './faults';
import { checkScenario, scenarioInfo, scenarioNames } from './scenarios';
import { Emulator, EmulatorOptions, startEmulator } from './server';

const USAGE = `Usage: imds-emulator [options]

A local EC2 Instance Metadata Service (IMDSv1 + IMDSv2) for development and tests.

Server:
  --port N                 port to listen on (default 1338; 0 picks a free port)
  --host H                 address to bind (default 127.0.0.1). Anything beyond loopback
                           must be given explicitly: the emulator serves credentials.
  --imdsv2 [MODE]          "required" (default when the flag is bare) or "optional"
  --disabled               IMDS turned off: every request answers 403
  --config FILE            AEMM (amazon-ec2-metadata-mock) JSON config file; keys AEMM would
                           ignore are warned about, one line each
  --strict-config          refuse a config with unknown or ignored keys, naming each
  --watch                  reload the config file when it changes (same host and port)
  --mock-ip-count N        only the first N distinct client addresses see Spot, rebalance,
                           event and ASG notices; the others get 404 (default: all)
  --user-data FILE         serve this file's bytes as user-data
  --no-user-data           serve no user-data (404)
  --credentials-ttl S      lifetime of role credentials in seconds (default 21600)

Scenarios (switchable at runtime through the API; one at start here):
  --scenario NAME          ${scenarioNames.join(', ')}
  --scenario-option K=V    a scenario option, repeatable (e.g. infoAfterSeconds=5, action=stop)
  --delay S                shorthand for --scenario-option delaySeconds=S

Faults:
  --latency MS             added latency per request
  --error-rate F           fraction 0..1 of requests answered 503
  --throttle-rps N         answer 429 beyond N requests per second
  --throttle-status CODE   status of throttled answers (default 429)
  --hop-limit N            token PUT hop limit (default 1, as on EC2)
  --hop-header NAME        header carrying a request's hop count (default X-Imds-Emulator-Hops)
  --container-source A     treat requests from address or IPv4 CIDR A as coming from a
                           container (2 hops), repeatable (e.g. 127.0.0.2, 127.0.0.0/30)

  -h, --help               this help

AEMM command lines work as they are: the subcommands spot, events (se, scheduledevents) and
asglifecycle (asg, autoscaling) with their flags, and -n/--hostname, -p, -c/--config-file,
-I, -x, -w/--watch-config-file, -d/--mock-delay-sec, --mock-trigger-time, --rebalance-delay-sec,
--rebalance-trigger-time, --asg-termination-delay-sec, --asg-termination-trigger-time, -s. The
README's "Coming from AEMM" table says what each one does here.
`;

export class UsageError extends Error {}

/** Largest --user-data file read (EC2 allows 16 KB; more is served with a warning, up to this). */
export const MAX_USER_DATA_FILE_BYTES = 1024 * 1024;

function numberFlag(name: string, value: string | undefined, check: (n: number) => boolean, what: string): number | undefined {
  if (value === undefined) return undefined;
  // Plain decimal only: Number() would also take 0x50, 1e3 and " 8 ".
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${what} (got ${JSON.stringify(value)}).`);
  return n;
}

function scenarioOptionValue(raw: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}

export interface CliPlan {
  options: EmulatorOptions;
  help: boolean;
  /** Warnings about the command line (AEMM flags accepted without effect). */
  notes: string[];
  /** Reload the config file when it changes. */
  watch: boolean;
}

/** Turns argv into emulator options; throws UsageError with a message for the user. */
export async function planFromArgs(rawArgv: string[]): Promise<CliPlan> {
  let aemm: AemmArgs;
  try {
    aemm = takeAemmArgs(rawArgv);
  } catch (err) {
    if (err instanceof AemmFlagError) throw new UsageError(err.message);
    throw err;
  }
  const argv = aemm.args;
  // `--imdsv2` alone means required (as AEMM's -I); `--imdsv2 optional` and `--imdsv2=required` name the mode.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--imdsv2' && (argv[i + 1] === 'required' || argv[i + 1] === 'optional')) args.push('--imdsv2-mode', argv[++i]);
    else if (arg.startsWith('--imdsv2=')) args.push('--imdsv2-mode', arg.slice('--imdsv2='.length));
    else args.push(arg);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        imdsv2: { type: 'boolean' },
        'imdsv2-mode': { type: 'string' },
        disabled: { type: 'boolean' },
        config: { type: 'string' },
        'strict-config': { type: 'boolean' },
        watch: { type: 'boolean' },
        'mock-ip-count': { type: 'string' },
        'user-data': { type: 'string' },
        'no-user-data': { type: 'boolean' },
        'credentials-ttl': { type: 'string' },
        scenario: { type: 'string' },
        'scenario-option': { type: 'string', multiple: true },
        delay: { type: 'string' },
        latency: { type: 'string' },
        'error-rate': { type: 'string' },
        'throttle-rps': { type: 'string' },
        'throttle-status': { type: 'string' },
        'hop-limit': { type: 'string' },
        'hop-header': { type: 'string' },
        'container-source': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const options: EmulatorOptions = {};
  if (v.help) return { options, help: true, notes: [], watch: false };

  options.port = numberFlag('port', v.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a port number 0..65535') ?? 1338;
  if (v.host !== undefined) {
    if (v.host.trim() === '') throw new UsageError('--host needs an address, e.g. --host 127.0.0.1.');
    options.host = v.host;
  }
  if (v.imdsv2) options.imdsv2 = 'required';
  if (v['imdsv2-mode'] !== undefined) {
    if (v['imdsv2-mode'] !== 'required' && v['imdsv2-mode'] !== 'optional') throw new UsageError(`--imdsv2 takes "required" or "optional" (got ${JSON.stringify(v['imdsv2-mode'])}).`);
    options.imdsv2 = v['imdsv2-mode'];
  }
  if (v.disabled) options.enabled = false;
  if (v.config !== undefined) options.config = v.config;
  if (v['strict-config']) options.strictConfig = true;
  if (v.watch && v.config === undefined) throw new UsageError('--watch reloads the config file: give one with --config FILE.');
  const ipCount = numberFlag('mock-ip-count', v['mock-ip-count'], (n) => Number.isInteger(n), 'a whole number of client addresses (negative: no limit)');
  if (ipCount !== undefined) options.mockIpCount = ipCount;
  if (aemm.subcommand !== undefined || Object.keys(aemm.overlay).length > 0) {
    if (v.scenario !== undefined) throw new UsageError(`--scenario and AEMM's ${aemm.subcommand ? `"${aemm.subcommand}" command` : 'timing flags'} both choose the scenario: give one.`);
    options.aemmOverlay = (json) => applyAemmArgs(json, aemm);
  }
  if (v['user-data'] !== undefined && v['no-user-data']) throw new UsageError('--user-data and --no-user-data cannot be used together.');
  if (v['user-data'] !== undefined) {
    try {
      options.userData = await readRegularFile(v['user-data'], MAX_USER_DATA_FILE_BYTES, '--user-data');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (options.userData.length > 16384) process.stderr.write(`warning: user-data is ${options.userData.length} bytes; EC2 limits it to 16384.\n`);
  }
  if (v['no-user-data']) options.userData = null;
  const ttl = numberFlag('credentials-ttl', v['credentials-ttl'], (n) => n >= 1 && n <= MAX_DURATION_SECONDS, `a number of seconds 1..${MAX_DURATION_SECONDS}`);
  if (ttl !== undefined) options.credentials = { ttlSeconds: ttl, rotateBeforeSeconds: Math.min(900, ttl / 4) };

  if (v['scenario-option'] !== undefined && v.scenario === undefined) throw new UsageError('--scenario-option needs --scenario NAME.');
  if (v.delay !== undefined && v.scenario === undefined) throw new UsageError('--delay needs --scenario NAME.');
  if (v.scenario !== undefined) {
    if (!(scenarioNames as readonly string[]).includes(v.scenario)) {
      throw new UsageError(`Unknown scenario "${v.scenario}". Known scenarios:\n${scenarioInfo().map((s) => `  ${s.name.padEnd(18)} ${s.description}`).join('\n')}`);
    }
    // A Map, then own properties: a key like __proto__ must stay a key, not become a prototype.
    const pairs = new Map<string, unknown>();
    for (const pair of v['scenario-option'] ?? []) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--scenario-option must look like key=value (got ${JSON.stringify(pair)}).`);
      pairs.set(pair.slice(0, eq), scenarioOptionValue(pair.slice(eq + 1)));
    }
    const delay = numberFlag('delay', v.delay, (n) => n <= MAX_DURATION_SECONDS, `a number of seconds 0..${MAX_DURATION_SECONDS}`);
    if (delay !== undefined) pairs.set('delaySeconds', delay);
    const scenarioOptions: Record<string, unknown> = Object.fromEntries(pairs);
    try {
      checkScenario(v.scenario, scenarioOptions);
    } catch (err) {
      throw new UsageError(`--scenario-option: ${(err as Error).message}`);
    }
    options.scenario = v.scenario;
    options.scenarioOptions = scenarioOptions;
  }

  const faults: Partial<Faults> = {};
  const latency = numberFlag('latency', v.latency, (n) => n <= MAX_TIMER_MS, `milliseconds 0..${MAX_TIMER_MS}`);
  if (latency !== undefined) faults.latencyMs = latency;
  const errorRate = numberFlag('error-rate', v['error-rate'], (n) => n >= 0 && n <= 1, 'a fraction between 0 and 1');
  if (errorRate !== undefined) faults.errorRate = errorRate;
  const rps = numberFlag('throttle-rps', v['throttle-rps'], (n) => Number.isInteger(n) && n <= MAX_THROTTLE_RPS, `a whole number 0..${MAX_THROTTLE_RPS}`);
  if (rps !== undefined) faults.throttleRps = rps;
  const throttleStatus = numberFlag('throttle-status', v['throttle-status'], (n) => Number.isInteger(n) && n >= 400 && n <= 599, 'an HTTP error status 400..599');
  if (throttleStatus !== undefined) faults.throttleStatus = throttleStatus;
  const hopLimit = numberFlag('hop-limit', v['hop-limit'], (n) => Number.isInteger(n) && n >= 1 && n <= 64, 'a whole number 1..64');
  if (hopLimit !== undefined) faults.hopLimit = hopLimit;
  if (v['hop-header'] !== undefined) faults.hopHeader = v['hop-header'];
  if (v['container-source'] !== undefined) faults.containerSources = v['container-source'];
  if (Object.keys(faults).length > 0) {
    try {
      checkFaults(faults);
    } catch (err) {
      throw new UsageError((err as Error).message.replace(/^Fault "hopHeader"/, '--hop-header').replace(/^Fault "containerSources"/, '--container-source'));
    }
    options.faults = faults;
  }
  return { options, help: false, notes: aemm.notes, watch: v.watch === true };
}

/**
 * Runs the emulator until SIGINT/SIGTERM. Resolves with the exit code: 0 after a clean stop,
 * 2 for usage or config errors, 1 when the server cannot start (e.g. port in use).
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  let plan: CliPlan;
  try {
    plan = await planFromArgs(argv);
  } catch (err) {
    process.stderr.write(`imds-emulator: ${(err as Error).message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (plan.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const host = plan.options.host;
  if (host !== undefined && !isLoopback(host)) {
    process.stderr.write(
      `warning: listening on ${host}, beyond loopback, because --host says so. Anyone who can reach it gets this ` +
        'emulator\'s (fake) credentials and metadata; EC2 itself only answers the instance.\n',
    );
  }
  let emulator: Emulator;
  try {
    emulator = await startEmulator(plan.options);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { problems?: string[] };
    const isSetting = err instanceof AemmConfigError || err instanceof EmulatorSettingError || e.name === 'FileInputError';
    const code = isSetting || e.problems || /config|Config|scenario|Fault/.test(e.message) ? 2 : 1;
    const hint = e.code === 'EADDRINUSE' ? ' Another process uses that port: pick another with --port, or --port 0 for a free one.' : '';
    process.stderr.write(`imds-emulator: ${e.message}${hint}\n`);
    return code;
  }
  for (const note of plan.notes) process.stderr.write(`warning: ${note}\n`);
  for (const warning of emulator.warnings) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(`IMDS emulator listening on ${emulator.url}\n`);
  process.stderr.write(`IMDSv2 ${emulator.imdsv2}${emulator.enabled ? '' : ', IMDS disabled (403)'}; scenario: ${emulator.scenario.description}\n`);
  const configFile = typeof plan.options.config === 'string' ? plan.options.config : undefined;
  const watcher = configFile && (plan.watch || emulator.watchConfigFile) ? watchConfig(configFile, plan.options, () => emulator, (next) => (emulator = next)) : undefined;

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      watcher?.close();
      process.stderr.write(`${signal}: stopping the IMDS emulator\n`);
      emulator.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * AEMM's --watch-config-file: when the file changes, a config that loads replaces the running
 * emulator on the same address (tokens and runtime changes start afresh, as from a restart); one
 * that does not load is reported and the running one stays. Watches the directory, since editors
 * replace files rather than write them in place.
 */
function watchConfig(file: string, options: EmulatorOptions, current: () => Emulator, replace: (next: Emulator) => void): { close(): void } {
  const dir = dirname(resolvePath(file));
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  let reloading = Promise.resolve();
  const reload = async () => {
    try {
      await resolveAemmConfig(file, Date.now(), { strict: options.strictConfig, overlay: options.aemmOverlay });
    } catch (err) {
      process.stderr.write(`imds-emulator: the changed config ${file} does not load, keeping the running one: ${(err as Error).message}\n`);
      return;
    }
    const running = current();
    await running.close();
    const next = await startEmulator({ ...options, host: running.host, port: running.port });
    replace(next);
    for (const warning of next.warnings) process.stderr.write(`warning: ${warning}\n`);
    process.stderr.write(`Reloaded ${file}: IMDSv2 ${next.imdsv2}; scenario: ${next.scenario.description}\n`);
  };
  const watcher = watch(dir, (_event, changed) => {
    if (changed !== name) return;
    // One reload per burst of writes (an editor's save is several events).
    clearTimeout(timer);
    timer = setTimeout(() => {
      reloading = reloading.then(reload).catch((err: Error) => {
        process.stderr.write(`imds-emulator: reload failed: ${err.message}\n`);
      });
    }, 200);
  });
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

if (require.main === module) {
  main().then((code) => process.exit(code));
}
