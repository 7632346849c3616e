// Runs a Run Command script on this machine the way the SSM agent runs it on an instance: the
// commands joined by newlines into `_script.sh`, run by a shell in a fresh orchestration directory.
// An instance can be given only some HTTP tools (curl / wget / python3): its PATH is then a temp bin
// dir holding symlinks to the base tools every Linux has plus just the allowed ones.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HTTP_TOOLS = ['curl', 'wget', 'python3'] as const;
export type HttpTool = (typeof HTTP_TOOLS)[number];

/** Tools any Linux instance has (coreutils, gzip, sed, awk, grep), whatever HTTP tools it lacks. */
const BASE_TOOLS = [
  'sh', 'bash', 'dash', 'cat', 'base64', 'gzip', 'gunzip', 'sed', 'awk', 'tr', 'wc', 'head', 'tail',
  'sha256sum', 'cksum', 'od', 'mktemp', 'rm', 'mkdir', 'cut', 'sort', 'dd', 'expr', 'env', 'uname',
  'date', 'sleep', 'grep', 'ls', 'mv', 'cp', 'printf', 'id', 'hostname', 'true', 'false', 'dirname',
  'basename', 'xargs', 'tee', 'split', 'fold', 'stat', 'touch', 'chmod', 'seq', 'test', '[',
];

/** The PATH the SSM agent's children get on Amazon Linux (systemd's default), without user shims. */
export const AGENT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const SYSTEM_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

/** Absolute path of a system tool, ignoring PATH (so pyenv-style shims are never linked). */
export function findSystemTool(name: string): string | undefined {
  for (const dir of SYSTEM_DIRS) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  return undefined;
}

/** Makes a bin dir whose only HTTP-capable tools are `allowed`; returns its path. */
export function makeRestrictedBin(parent: string, allowed: readonly HttpTool[]): string {
  const bin = mkdtempSync(join(parent, 'bin-'));
  for (const name of [...BASE_TOOLS, ...allowed]) {
    const target = findSystemTool(name);
    if (target) symlinkSync(target, join(bin, name));
  }
  return bin;
}

export interface ScriptRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  timedOut: boolean;
  cancelled: boolean;
  startedAt: number;
  endedAt: number;
}

export interface RunningScript {
  done: Promise<ScriptRun>;
  cancel(): void;
}

/** Output beyond this is dropped while reading (the service keeps far less anyway). */
const CAPTURE_LIMIT = 64 * 1024 * 1024;

export function runScript(options: {
  shell: string;
  /** Arguments before the script path (e.g. pwsh's -File). */
  shellArgs?: string[];
  /** Default `_script.sh`, as the agent names it. */
  scriptName?: string;
  script: string;
  workDir: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}): RunningScript {
  mkdirSync(options.workDir, { recursive: true });
  const scriptPath = join(options.workDir, options.scriptName ?? '_script.sh');
  writeFileSync(scriptPath, options.script, { mode: 0o700 });
  const startedAt = Date.now();
  const child = spawn(options.shell, [...(options.shellArgs ?? []), scriptPath], {
    cwd: options.workDir,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let outSize = 0;
  let errSize = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    if (outSize < CAPTURE_LIMIT) out.push(chunk);
    outSize += chunk.length;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    if (errSize < CAPTURE_LIMIT) err.push(chunk);
    errSize += chunk.length;
  });
  let timedOut = false;
  let cancelled = false;
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);
  const done = new Promise<ScriptRun>((resolve) => {
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
        timedOut,
        cancelled,
        startedAt,
        endedAt: Date.now(),
      });
    };
    child.on('error', (error) => {
      err.push(Buffer.from(`failed to start ${options.shell}: ${error.message}\n`));
      finish(127, null);
    });
    child.on('close', finish);
  });
  return {
    done,
    cancel() {
      cancelled = true;
      killGroup();
    },
  };
}

export function makeWorkRoot(): string {
  return mkdtempSync(join(tmpdir(), 'ssm-endpoint-'));
}

export function removeWorkRoot(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
