// `imds posture` and `imds enforce`: the fleet posture in a terminal and in CI.
//   exit 0: every instance requires tokens (or has IMDS off) / every change made
//   exit 1: findings (instances still accept IMDSv1) / some changes failed, were refused or cancelled
//   exit 2: an error (usage, credentials, a Region that could not be read)
// The AWS side (both SDKs) loads on first use with import() of ./fleet (its own bundle).
import { readFile, writeFile } from 'node:fs/promises';
import { takeFlag as takeExtraFlag, takeValue } from '../cli/options';
import type { CliIo, ParsedArgs } from '../cli/types';
import type { ChangeRecord } from '../aws/ec2/change';
import { settableOptions, type EnforceResult, type EnforceTarget } from './enforce';
import { Pacer } from './pacer';
import type { FleetConnection } from './fleet';
import { exitCodeOf, parsePostureReport, renderPostureCsv, renderPostureJson, renderPostureText, allInstances } from './report';
import { entriesToRestore, newRollback, parseRollback, recordResults, restoreChange, restoreDefaultsChange, type RollbackFile } from './rollback';
import { CLASS_LABELS, type PostureClass } from './types';

export const POSTURE_USAGE = `  posture                fleet IMDS posture: every instance, its class and evidence
                         (exit 0: all require tokens, 1: findings, 2: error)
      --profile P        AWS profile (default: the standard chain)
      --regions a,b|all  Regions (default: the profile's); all = every enabled Region
      --days N           metric window in days (default 14)
      --json | --csv     print the whole report as JSON or CSV (default: a summary)
      --out FILE         also write the JSON report to FILE
  enforce                require IMDSv2 (HttpTokens required) on instances of a report
      --from FILE        the JSON report of imds posture
      --only CLASSES     classes to change (default ready; also stopped, no-data, needs-work)
      --allow-tokenless  needed with --only needs-work: those instances made tokenless calls
      --dry-run          DryRun each instance and stop (nothing changes)
      --defaults         also set the account default HttpTokens=required per Region
      --yes              confirm the instance changes (otherwise asked on the terminal)
      --yes-defaults     confirm the account-default changes (their own confirmation)
      --rollback-out F   where the rollback file goes (default imds-rollback-<time>.json)
      --rate N           ModifyInstanceMetadataOptions calls a second (default 5)
  enforce --rollback FILE  put back the options a rollback file recorded (asks first; --yes, --rate)
  Both take --ec2-endpoint URL and --cloudwatch-endpoint URL (VPC or local endpoints).`;

export interface PostureCliDeps {
  /** Asks a yes/no question (the imds CLI's terminal question); without one, every question is refused. */
  confirm?: (question: string) => Promise<boolean>;
  /** Cancels a running enforce (the CLI wires SIGINT to it). */
  signal?: AbortSignal;
  now?: () => Date;
}

const FIXABLE: PostureClass[] = ['ready', 'stopped', 'no-data', 'needs-work'];

class PostureUsageError extends Error {}

/** An option's value: a file option src/cli/imds.ts knows (--from, --rollback, --rollback-out) or an extra one. */
function takeText(args: ParsedArgs, name: string): string | undefined {
  const known = args.values.get(name);
  args.values.delete(name);
  const extra = takeValue(args.extra, name);
  return extra ?? known;
}

function takeFlag(args: ParsedArgs, name: string): boolean {
  return takeExtraFlag(args.extra, name);
}

function noLeftovers(args: ParsedArgs, command: string): void {
  const unknown = [...args.extra.keys()];
  if (unknown.length) throw new PostureUsageError(`Unknown option --${unknown[0]} for ${command}. See imds --help.`);
  if (args.positionals.length) throw new PostureUsageError(`${command} takes no arguments (got "${args.positionals[0]}").`);
}

/** Takes the endpoint options, checks nothing else is left, then connects (usage errors come first). */
async function connect(args: ParsedArgs, profile: string | undefined, command: string): Promise<FleetConnection> {
  const ec2Endpoint = takeText(args, 'ec2-endpoint');
  const cloudWatchEndpoint = takeText(args, 'cloudwatch-endpoint');
  noLeftovers(args, command);
  const { connectFleet } = await import('./fleet');
  return connectFleet({ profile, ec2Endpoint, cloudWatchEndpoint });
}

export async function postureCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const profile = takeText(args, 'profile');
  const regionsArg = takeText(args, 'regions');
  const daysArg = takeText(args, 'days');
  const csv = takeFlag(args, 'csv');
  const json = args.flags.has('json');
  const out = args.values.get('out');
  if (csv && json) throw new PostureUsageError('--json and --csv both choose the output: give one.');
  const days = daysArg === undefined ? 14 : Number(daysArg);
  if (!Number.isInteger(days) || days < 1 || days > 455) throw new PostureUsageError(`--days must be a whole number from 1 to 455 (got "${daysArg}").`);
  const regions = regionsArg === undefined ? undefined : regionsArg === 'all' ? 'all' : regionsArg.split(',').map((r) => r.trim()).filter(Boolean);
  if (Array.isArray(regions) && regions.some((r) => !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(r))) throw new PostureUsageError(`--regions takes Region names like eu-west-1, comma-separated, or "all" (got "${regionsArg}").`);
  const fleet = await connect(args, profile, 'posture');
  try {
    const { takePosture } = await import('./fleet');
    if (!regions && !fleet.defaultRegion) throw new PostureUsageError('No Region: give --regions a,b (or all), or set region in the profile.');
    const report = await takePosture(fleet, { regions, days, profile, onRows: (region, rows) => args.flags.has('verbose') && io.stderr(`posture: ${region}: ${rows.length} more instances`) });
    if (out) await writeFile(out, renderPostureJson(report));
    io.stdout(json ? renderPostureJson(report) : csv ? renderPostureCsv(allInstances(report)) : renderPostureText(report));
    return exitCodeOf(report);
  } finally {
    fleet.close();
  }
}

function takeRate(args: ParsedArgs): number {
  const raw = takeText(args, 'rate');
  const rate = raw === undefined ? 5 : Number(raw);
  if (!Number.isFinite(rate) || rate < 0.1 || rate > 100) throw new PostureUsageError(`--rate must be a number of calls a second from 0.1 to 100 (got "${raw}").`);
  return rate;
}

function parseOnly(value: string | undefined, allowTokenless: boolean): PostureClass[] {
  const classes = (value ?? 'ready').split(',').map((c) => c.trim()).filter(Boolean) as PostureClass[];
  for (const cls of classes) {
    if (!FIXABLE.includes(cls)) throw new PostureUsageError(`--only takes ${FIXABLE.join(', ')} (got "${cls}").`);
  }
  if (classes.includes('needs-work') && !allowTokenless) {
    throw new PostureUsageError('Instances in needs-work made tokenless calls in the window: requiring tokens breaks the software that made them. Fix that software first, or add --allow-tokenless to change them anyway.');
  }
  return classes;
}

function resultLine(result: EnforceResult): string {
  return `${result.region.padEnd(15)} ${result.instanceId}  ${(result.name ?? '').slice(0, 28).padEnd(28)} ${result.outcome}${result.error ? `: ${result.error}` : ''}`;
}

function listing(targets: { region: string; instanceId: string; name?: string }[], max = 20): string {
  const lines = targets.slice(0, max).map((t) => `  ${t.region.padEnd(15)} ${t.instanceId}  ${t.name ?? ''}`);
  if (targets.length > max) lines.push(`  … and ${targets.length - max} more`);
  return lines.join('\n');
}

/** The options now (not the report's): what the rollback must restore, and who is already done. */
async function currentTargets(fleet: FleetConnection, picked: { region: string; instanceId: string; name?: string; class: PostureClass }[]): Promise<{ targets: EnforceTarget[]; skipped: string[] }> {
  const targets: EnforceTarget[] = [];
  const skipped: string[] = [];
  const byRegion = new Map<string, typeof picked>();
  for (const p of picked) byRegion.set(p.region, [...(byRegion.get(p.region) ?? []), p]);
  for (const [region, list] of byRegion) {
    const api = await fleet.ec2(region);
    for (let i = 0; i < list.length; i += 1000) {
      const chunk = list.slice(i, i + 1000);
      const found = new Map((await api.describeInstances(chunk.map((c) => c.instanceId))).map((s) => [s.instanceId, s]));
      for (const p of chunk) {
        const now = found.get(p.instanceId);
        if (!now || now.state === 'terminated' || now.state === 'shutting-down') skipped.push(`${p.instanceId}: gone since the report`);
        else if (now.metadataOptions?.httpTokens === 'required') skipped.push(`${p.instanceId}: already requires tokens`);
        else targets.push({ instanceId: p.instanceId, region, ...(p.name ? { name: p.name } : {}), class: p.class, before: settableOptions(now.metadataOptions) });
      }
    }
  }
  return { targets, skipped };
}

export async function enforceCommand(args: ParsedArgs, io: CliIo, deps: PostureCliDeps = {}): Promise<number> {
  // The imds CLI passes its terminal question (src/cli/imds.ts); without a terminal nothing is confirmed but by --yes.
  const confirm = deps.confirm ?? (async () => false);
  const rollbackPath = takeText(args, 'rollback');
  if (rollbackPath !== undefined) return rollbackCommand(args, io, rollbackPath, confirm, deps);
  const from = takeText(args, 'from');
  if (!from) throw new PostureUsageError('enforce needs --from posture.json (write it with: imds posture --json --out posture.json), or --rollback FILE.');
  const only = parseOnly(takeText(args, 'only'), takeFlag(args, 'allow-tokenless'));
  const dryRunOnly = takeFlag(args, 'dry-run');
  const withDefaults = takeFlag(args, 'defaults');
  const yes = takeFlag(args, 'yes');
  const yesDefaults = takeFlag(args, 'yes-defaults');
  const rate = takeRate(args);
  const now = deps.now?.() ?? new Date();
  const rollbackOut = takeText(args, 'rollback-out') ?? `imds-rollback-${now.toISOString().replace(/[:.]/g, '-')}.json`;
  let text: string;
  try {
    text = await readFile(from, 'utf8');
  } catch (error) {
    throw new PostureUsageError(`Cannot read ${from}: ${(error as Error).message}. Write one with: imds posture --json --out ${from}`);
  }
  const report = parsePostureReport(text);
  const profile = takeText(args, 'profile') ?? report.profile;
  const fleet = await connect(args, profile, 'enforce');
  try {
    const { dryRunEach, applyEach, REQUIRE_TOKENS, requireTokensByDefault } = await import('./fleet');
    const picked = allInstances(report).filter((i) => only.includes(i.class));
    io.stderr(`enforce: ${picked.length} instances in ${only.map((c) => CLASS_LABELS[c]).join(', ')}; reading their options now…`);
    const { targets, skipped } = await currentTargets(fleet, picked);
    for (const line of skipped) io.stderr(`enforce: skipped ${line}`);
    const pacer = new Pacer({ ratePerSecond: rate });
    const batch = { pacer, signal: deps.signal };
    const dry = await dryRunEach((r) => fleet.ec2(r), targets, REQUIRE_TOKENS, batch);
    const refused = dry.filter((r) => r.outcome !== 'dry-run-ok');
    for (const r of refused) io.stderr(`enforce: DryRun refused ${resultLine(r)}`);
    const passed = targets.filter((_, i) => dry[i].outcome === 'dry-run-ok');
    io.stdout(`DryRun: ${passed.length} of ${targets.length} would succeed; ${refused.length} refused.\n`);
    if (dryRunOnly || passed.length === 0) {
      if (!withDefaults) return refused.length ? 1 : 0;
    }
    let results: EnforceResult[] = [];
    const file = newRollback(passed, REQUIRE_TOKENS, profile, now);
    if (!dryRunOnly && passed.length) {
      io.stdout(`Require IMDSv2 (HttpTokens optional → required) on ${passed.length} instances${profile ? ` with profile ${profile}` : ''}:\n${listing(passed)}\n`);
      if (!(yes || (await confirm(`Change ${passed.length} instances?`)))) {
        io.stderr('enforce: not confirmed, nothing changed. Add --yes to confirm without a terminal.');
        return 1;
      }
      await writeFile(rollbackOut, JSON.stringify(file, null, 1));
      io.stderr(`enforce: rollback file ${rollbackOut} (undo with: imds enforce --rollback ${rollbackOut})`);
      let lastPrinted = 0;
      results = await applyEach((r) => fleet.ec2(r), passed, REQUIRE_TOKENS, {
        ...batch,
        profile,
        onResult: (_r, done, total) => {
          if (done === total || Date.now() - lastPrinted > 2000) {
            lastPrinted = Date.now();
            io.stderr(`enforce: ${done}/${total}`);
          }
        },
      });
      recordResults(file, results);
      await writeFile(rollbackOut, JSON.stringify(file, null, 1));
      io.stdout(args.flags.has('json') ? `${JSON.stringify(results, null, 1)}\n` : `${results.map(resultLine).join('\n')}\n`);
    }
    let defaultsFailed = false;
    if (withDefaults) {
      for (const region of report.regions.filter((r) => !r.error).map((r) => r.region)) {
        const outcome = await requireTokensByDefault(fleet, region, {
          confirm: async (change) => {
            io.stdout(`Account default for new instances in ${region}: HttpTokens ${change.before.httpTokens ?? '(no preference)'} → required\n`);
            return !dryRunOnly && (yesDefaults || confirm(`Change the account default in ${region}?`));
          },
        });
        if (outcome.status === 'made') {
          file.defaults.push({ region, record: outcome.record as ChangeRecord, status: 'applied' });
          await writeFile(rollbackOut, JSON.stringify(file, null, 1));
          io.stdout(`${region}: account default now requires tokens.\n`);
        } else if (outcome.status === 'refused') {
          defaultsFailed = true;
          io.stderr(`enforce: ${region}: account default refused: ${outcome.error.toLine()}`);
        } else {
          io.stdout(`${region}: account default unchanged${dryRunOnly ? ' (DryRun passed)' : ''}.\n`);
        }
      }
    }
    const changed = results.filter((r) => r.outcome === 'applied' || r.outcome === 'pending').length;
    if (results.length) io.stdout(`Changed ${changed} of ${results.length}; ${results.length - changed} not changed.\n`);
    return refused.length || defaultsFailed || changed < results.length ? 1 : 0;
  } finally {
    fleet.close();
  }
}

async function rollbackCommand(args: ParsedArgs, io: CliIo, path: string, confirm: (q: string) => Promise<boolean>, deps: PostureCliDeps): Promise<number> {
  const yes = takeFlag(args, 'yes');
  const rate = takeRate(args);
  let file: RollbackFile;
  try {
    file = parseRollback(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PostureUsageError(`No rollback file ${path}.`);
    throw error;
  }
  const profile = takeText(args, 'profile') ?? file.profile;
  const fleet = await connect(args, profile, 'enforce --rollback');
  try {
    const { restoreEach } = await import('./fleet');
    const { applyChange } = await import('../aws/ec2/index');
    const entries = entriesToRestore(file);
    const defaults = file.defaults.filter((d) => d.status === 'applied');
    if (!entries.length && !defaults.length) {
      io.stdout('Nothing to restore: the file records no change that is still in place.\n');
      return 0;
    }
    io.stdout(`Restore the options before ${file.createdAt} on ${entries.length} instances${defaults.length ? ` and the account default in ${defaults.map((d) => d.region).join(', ')}` : ''}:\n${listing(entries)}\n`);
    if (!(yes || (await confirm('Restore them?')))) {
      io.stderr('enforce: not confirmed, nothing changed. Add --yes to confirm without a terminal.');
      return 1;
    }
    const results = await restoreEach((r) => fleet.ec2(r), entries.map((e) => restoreChange(file, e)), { signal: deps.signal, ratePerSecond: rate });
    recordResults(file, results, true);
    let restored = results.filter((r) => r.outcome === 'applied' || r.outcome === 'pending').length;
    for (const entry of defaults) {
      const outcome = await applyChange(await fleet.ec2(entry.region), restoreDefaultsChange(entry), { confirm: async () => true });
      if (outcome.status === 'made') {
        entry.status = 'restored';
        restored += 1;
      } else if (outcome.status === 'refused') {
        io.stderr(`enforce: ${entry.region}: account default not restored: ${outcome.error.toLine()}`);
      }
    }
    await writeFile(path, JSON.stringify(file, null, 1));
    const total = results.length + defaults.length;
    io.stdout(`${results.map(resultLine).join('\n')}\nRestored ${restored} of ${total}.\n`);
    return restored < total ? 1 : 0;
  } finally {
    fleet.close();
  }
}
