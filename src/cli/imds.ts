// `imds`: the command line on the same core as the extension.
//   imds ls [PATH] | get PATH | snapshot [--json] [--show-secrets] | diff A B
// Options it does not know are kept in a map, so a source can be added (e.g. --ssm) by extending
// createSourceFromArgs alone. Errors print as one line; the exit status is 2 (diff: 1 = differ).

import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ImdsSource } from '../sources/imdsSource';
import type { Env, VersionPolicy } from '../imds/endpoint';
import { isImdsError } from '../imds/errors';
import { isDirectoryPath, normalizePath } from '../imds/paths';
import { maskSecretsDetailed } from '../imds/secrets';
import { diffSnapshots, isEmptyDiff, loadSnapshot, maskSnapshot, saveSnapshot, serializeSnapshot } from '../imds/snapshot';
import type { MetadataSource, Snapshot, SnapshotEntry } from '../imds/types';
import { DOCTOR_USAGE, doctorCommand } from '../doctor/cli';
import { isSsmError } from '../sources/ssm/errors';
import type { CliIo, ParsedArgs } from './types';
import { isEc2Error } from '../aws/ec2/errors';
import { SSM_USAGE, ssmSourceFromCli } from '../sources/ssm/cliOptions';
import { EC2_USAGE, ec2Command } from './ec2';
import { enforceCommand, POSTURE_USAGE, postureCommand } from '../posture/cli';

export const USAGE = `Usage: imds [options] <command>

Commands:
  ls [PATH]              list a directory (default /latest/meta-data/)
  get PATH               print a value (credentials masked unless --show-secrets)
  snapshot               read the whole tree (--root PATH, default /latest/)
      --json             print the snapshot as JSON (default: one "path  value" line per value)
      --out FILE         also save the JSON snapshot to FILE
  diff A B               compare two snapshot files; "-" takes a snapshot now
                         (exit 0: same, 1: different)
${DOCTOR_USAGE}
${POSTURE_USAGE}

Options:
  --endpoint URL         IMDS endpoint (default: $AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254)
  --ipv6                 use the IPv6 endpoint http://[fd00:ec2::254]
  --v1                   IMDSv1 only (no token)
  --v2-only              IMDSv2 only (never fall back to IMDSv1)
  --show-secrets         show SecretAccessKey and Token in clear
  --timeout MS           total time for each request, headers and body (default 5000)
  --verbose              log each request and warning to stderr (never the token or a body)
  -h, --help             this help

${SSM_USAGE}

${EC2_USAGE}

PATH may be absolute (/latest/meta-data/ami-id) or start at a category (meta-data/ami-id).
Options a source adds take --name=value (or --name value).`;

const COMMANDS = new Set(['ls', 'get', 'snapshot', 'diff', 'doctor', 'ec2', 'posture', 'enforce', 'help']);
const BOOLEAN_OPTIONS = new Set(['ipv6', 'v1', 'v2-only', 'json', 'show-secrets', 'verbose', 'help']);
// from/rollback/rollback-out take file paths, which may start with "/" (unknown options would not take those).
const VALUE_OPTIONS = new Set(['endpoint', 'timeout', 'root', 'out', 'from', 'rollback', 'rollback-out']);

export type { CliIo, ParsedArgs } from './types';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const args: ParsedArgs = { positionals: [], flags: new Set(), values: new Map(), extra: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      args.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (token === '-h') {
      args.flags.add('help');
      continue;
    }
    if (!token.startsWith('--') || token === '-') {
      args.positionals.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : token.slice(eq + 1);
    if (name === '') throw new UsageError(`"${token}" is not an option.`);
    if (BOOLEAN_OPTIONS.has(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value.`);
      args.flags.add(name);
    } else if (VALUE_OPTIONS.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value.`);
      args.values.set(name, value);
    } else {
      // Unknown: a value follows unless the next token is an option, a path or a command.
      const next = argv[i + 1];
      if (inline !== undefined) args.extra.set(name, inline);
      else if (next !== undefined && !next.startsWith('-') && !next.startsWith('/') && !COMMANDS.has(next)) args.extra.set(name, argv[++i]);
      else args.extra.set(name, true);
    }
  }
  args.command = args.positionals.shift();
  return args;
}

function versionPolicyOf(args: ParsedArgs): VersionPolicy | undefined {
  const v1 = args.flags.has('v1');
  const v2 = args.flags.has('v2-only');
  if (v1 && v2) throw new UsageError('--v1 and --v2-only contradict each other: give one.');
  return v1 ? 'v1-only' : v2 ? 'v2-only' : undefined;
}

/** Longest --timeout: an hour (a longer timer would overflow Node's 32-bit timers anyway). */
const MAX_TIMEOUT_MS = 3_600_000;

function numberOption(args: ParsedArgs, name: string): number | undefined {
  const raw = args.values.get(name);
  if (raw === undefined) return undefined;
  const value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) throw new UsageError(`--${name} must be milliseconds from 1 to ${MAX_TIMEOUT_MS} (got "${raw}").`);
  return value;
}

export interface CliContext {
  env: Env;
  /** Where --verbose request lines go. */
  log: (line: string) => void;
}

/**
 * The one place a source is made from command-line options. A new transport (SSM) adds a branch
 * here that reads its options from `args.extra` and deletes what it used.
 */
export function createSourceFromArgs(args: ParsedArgs, context: CliContext): MetadataSource {
  const ssm = ssmSourceFromCli({
    extra: args.extra,
    endpoint: args.values.get('endpoint'),
    ipv6: args.flags.has('ipv6'),
    showSecrets: args.flags.has('show-secrets'),
    unsupported: ['v1', 'v2-only', 'timeout'].filter((name) => args.flags.has(name) || args.values.has(name)),
    log: args.flags.has('verbose') ? context.log : undefined,
  });
  if (ssm) return ssm;
  const unknown = [...args.extra.keys()];
  if (unknown.length > 0) throw new UsageError(`Unknown option --${unknown[0]}. See imds --help.`);
  if (args.values.has('endpoint') && args.flags.has('ipv6')) throw new UsageError('--endpoint and --ipv6 both choose the endpoint: give one.');
  const timeout = numberOption(args, 'timeout');
  return new ImdsSource({
    kind: 'direct',
    endpoint: args.values.get('endpoint'),
    endpointMode: args.flags.has('ipv6') ? 'IPv6' : undefined,
    env: context.env,
    versionPolicy: versionPolicyOf(args),
    requestTimeoutMs: timeout,
    onRequest: args.flags.has('verbose')
      ? (log) => context.log(`${log.method} ${log.path} ${log.status || log.error} ${log.ms} ms${log.attempt > 1 ? ` (attempt ${log.attempt})` : ''}`)
      : undefined,
    // Warnings (IMDSv1 fallback, skipped listing lines) only with --verbose: stderr stays one line.
    onWarning: args.flags.has('verbose') ? (message) => context.log(`warning: ${message}`) : undefined,
  });
}


function oneLine(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

function describeEntry(entry: SnapshotEntry): string {
  if (entry.kind === 'error') return `${entry.status ? `[error ${entry.status}]` : '[error]'} ${entry.error ?? ''}`.trimEnd();
  if (entry.kind === 'dir') return `[${entry.children?.length ?? 0} entries]`;
  if (entry.encoding === 'base64') return `[binary, ${Buffer.from(entry.value ?? '', 'base64').length} bytes]`;
  return oneLine(entry.value ?? '');
}

export function snapshotLines(snapshot: Snapshot): string {
  // A loop, not Math.max(...spread): 130,000 arguments overflow the call stack.
  let width = 0;
  for (const entry of snapshot.entries) width = Math.max(width, Math.min(60, entry.path.length));
  return snapshot.entries
    .filter((e) => e.kind !== 'dir' || e.error)
    .map((e) => `${e.path.padEnd(width)}  ${describeEntry(e)}`)
    .join('\n') + '\n';
}

function extraArguments(args: ParsedArgs, allowed: number, usage: string): void {
  if (args.positionals.length > allowed) throw new UsageError(`${usage}; "${args.positionals[allowed]}" is one argument too many.`);
}

/** The --out file's directory exists and can be written, checked before crawling. */
async function checkWritableTarget(file: string): Promise<void> {
  const dir = dirname(file);
  try {
    if (!(await stat(dir)).isDirectory()) throw new UsageError(`--out ${file}: ${dir} is not a directory.`);
    await access(dir, constants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--out ${file}: ${code === 'ENOENT' ? `the directory ${dir} does not exist; create it first` : `cannot write into ${dir} (${code ?? String(error)})`}.`);
  }
  const existing = await stat(file).catch(() => undefined);
  if (existing && !existing.isFile()) throw new UsageError(`--out ${file} exists and is not a regular file.`);
}

/**
 * `ls` on a value says so rather than printing the value: IMDS answers a value asked with a
 * trailing slash (`instance-id/`) as the value itself, so the parent's listing decides.
 */
async function listOrExplain(source: MetadataSource, path: string) {
  const asValue = isDirectoryPath(path) ? path.slice(0, -1) : path;
  const cut = asValue.lastIndexOf('/');
  if (path !== '/' && cut > 0) {
    const name = asValue.slice(cut + 1);
    const siblings = await source.list(asValue.slice(0, cut + 1)).catch(() => undefined);
    if (siblings?.some((entry) => entry.name === name && !entry.isDirectory)) {
      throw new UsageError(`${asValue} is a value, not a directory: read it with imds get ${asValue}`);
    }
  }
  return source.list(isDirectoryPath(path) ? path : path + '/');
}

/** A snapshot root is a directory, typed with or without its slash. */
function directoryPath(input: string): string {
  const path = normalizePath(input);
  return isDirectoryPath(path) ? path : path + '/';
}

async function readSnapshotArg(arg: string, source: () => MetadataSource, showSecrets: boolean, root?: string): Promise<Snapshot> {
  if (arg === '-') return source().snapshot({ showSecrets, root });
  try {
    return await loadSnapshot(arg);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`No snapshot file ${arg}.`);
    throw error;
  }
}

async function run(args: ParsedArgs, io: CliIo, lazySource: () => MetadataSource): Promise<number> {
  const showSecrets = args.flags.has('show-secrets');
  switch (args.command) {
    case 'ls': {
      extraArguments(args, 1, 'ls takes one PATH');
      const path = normalizePath(args.positionals[0] ?? '/latest/meta-data/');
      const entries = await listOrExplain(lazySource(), path);
      io.stdout(entries.map((e) => (e.isDirectory && !e.name.endsWith('/') ? e.name + '/' : e.name)).join('\n') + (entries.length ? '\n' : ''));
      return 0;
    }
    case 'get': {
      if (!args.positionals[0]) throw new UsageError('get needs a PATH, e.g. imds get meta-data/instance-id');
      extraArguments(args, 1, 'get takes one PATH');
      const value = await lazySource().get(args.positionals[0]);
      if (showSecrets) {
        io.stdout(value.body);
      } else {
        const masked = maskSecretsDetailed(value.path, value.text);
        io.stdout(masked.masked ? masked.text : value.body);
        if (masked.masked) io.stderr('imds: SecretAccessKey and Token are masked; add --show-secrets to see them.');
      }
      if (process.stdout.isTTY && !value.text.endsWith('\n')) io.stdout('\n');
      return 0;
    }
    case 'snapshot': {
      extraArguments(args, 0, 'snapshot takes no PATH (use --root PATH)');
      const root = args.values.get('root');
      const out = args.values.get('out');
      // Before the crawl, not after it: a typo in the directory must not cost a whole read.
      if (out) await checkWritableTarget(out);
      const snapshot = await lazySource().snapshot({ showSecrets, root: root === undefined ? undefined : directoryPath(root) });
      // Taken masked unless --show-secrets; saveSnapshot makes a file with secrets owner-only.
      if (out) await saveSnapshot(out, snapshot, { keepSecrets: showSecrets });
      io.stdout(args.flags.has('json') ? serializeSnapshot(snapshot) : snapshotLines(snapshot));
      if (snapshot.incomplete) {
        io.stderr(`imds: the snapshot stopped early at ${snapshot.incomplete.at}: ${snapshot.incomplete.reason}. The ${snapshot.entries.length} paths read until then are ${out ? 'saved and ' : ''}printed, marked "incomplete".`);
        return 2;
      }
      return 0;
    }
    case 'diff': {
      const [a, b] = args.positionals;
      if (!a || !b || args.positionals.length > 2) throw new UsageError('diff needs two snapshots: imds diff A.json B.json ("-" takes one now).');
      const root = args.values.get('root');
      const rootDir = root === undefined ? undefined : directoryPath(root);
      let before = await readSnapshotArg(a, lazySource, showSecrets, rootDir);
      let after = await readSnapshotArg(b, lazySource, showSecrets, rootDir);
      if (!showSecrets) {
        before = maskSnapshot(before);
        after = maskSnapshot(after);
      }
      const diff = diffSnapshots(before, after);
      const lines = [
        ...diff.removed.map((p) => `- ${p}`),
        ...diff.added.map((p) => `+ ${p}`),
        ...diff.changed.map((c) => `~ ${c.path}: ${describeEntry(c.before)} → ${describeEntry(c.after)}`),
      ];
      if (args.flags.has('json')) io.stdout(JSON.stringify(diff, null, 2) + '\n');
      else io.stdout(isEmptyDiff(diff) ? 'no differences\n' : lines.join('\n') + '\n');
      return isEmptyDiff(diff) ? 0 : 1;
    }
    case 'doctor':
      return doctorCommand(args, io, lazySource);
    case 'ec2':
      return ec2Command(args.positionals, args.extra, args.flags.has('json'), { stdout: (text) => io.stdout(text), stderr: io.stderr, confirm: io.confirm });
    case 'posture':
      return postureCommand(args, io);
    case 'enforce':
      return enforceCommand(args, io, { signal: io.signal, confirm: io.confirm });
    default:
      throw new UsageError(args.command ? `Unknown command "${args.command}". Commands: ls, get, snapshot, diff, doctor, ec2, posture, enforce.` : 'Give a command: ls, get, snapshot, diff, doctor, ec2, posture or enforce. See imds --help.');
  }
}

/** Runs the CLI; resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let source: MetadataSource | undefined;
  try {
    const args = parseArgs(argv);
    if (args.flags.has('help') || args.command === 'help') {
      io.stdout(USAGE + '\n');
      return 0;
    }
    const context: CliContext = { env: io.env, log: io.stderr };
    const lazySource = () => (source ??= createSourceFromArgs(args, context));
    return await run(args, io, lazySource);
  } catch (error) {
    io.stderr(`imds: ${errorLine(error)}`);
    return 2;
  } finally {
    await source?.dispose?.();
  }
}

/** One line a person can act on. */
export function errorLine(error: unknown): string {
  // Typed errors carry a remedy; the others (usage, endpoint, snapshot file, range) say it in the message.
  if (isImdsError(error) || isSsmError(error) || isEc2Error(error)) return error.toLine();
  return error instanceof Error ? error.message : String(error);
}

/** A yes/no question on the terminal; anything but y/yes is no. */
async function askYesNo(question: string): Promise<boolean> {
  const readline = await import('node:readline/promises');
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

if (require.main === module) {
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort(new Error('interrupted')));
  main(process.argv.slice(2), {
    stdout: (data) => process.stdout.write(data),
    stderr: (line) => process.stderr.write(line + '\n'),
    env: process.env,
    signal: interrupt.signal,
    confirm: process.stdin.isTTY ? askYesNo : undefined,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`imds: ${errorLine(error)}\n`);
      process.exitCode = 2;
    },
  );
}
