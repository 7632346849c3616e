// Runs a generated snippet in its real interpreter (/bin/bash, python3, this node) as a child
// process, asynchronously: the emulator it talks to lives in this process's event loop.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export type Interpreter = 'bash' | 'python' | 'node';

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

const commands: Record<Interpreter, { command: string; extension: string }> = {
  bash: { command: '/bin/bash', extension: '.sh' },
  python: { command: 'python3', extension: '.py' },
  node: { command: process.execPath, extension: '.js' },
};

/** Why an interpreter cannot run here, or undefined when it can. */
export function unavailableReason(interpreter: Interpreter): string | undefined {
  const { command } = commands[interpreter];
  const probe = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return probe.error || probe.status !== 0 ? `${command} is not available on this machine` : undefined;
}

/**
 * The environment snippets run in: an http(s)_proxy that points at a closed port, so a snippet
 * that sent metadata requests through a proxy would fail instead of passing by accident.
 */
export function snippetEnv(closedPort: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS; // keep tsx and test-runner hooks out of the child
  for (const name of ['no_proxy', 'NO_PROXY']) delete env[name];
  const proxy = `http://127.0.0.1:${closedPort}`;
  Object.assign(env, { http_proxy: proxy, HTTP_PROXY: proxy, https_proxy: proxy, all_proxy: proxy }, extra);
  return env;
}

export async function runSnippet(interpreter: Interpreter, source: string, env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<RunResult> {
  const { command, extension } = commands[interpreter];
  const dir = mkdtempSync(path.join(tmpdir(), 'imds-snippet-'));
  const file = path.join(dir, `snippet${extension}`);
  writeFileSync(file, source);
  try {
    return await new Promise<RunResult>((resolve, reject) => {
      const child = spawn(command, [file], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (status, signal) => {
        clearTimeout(timer);
        resolve({ status, signal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8') });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedLoopbackPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The interpreter that runs snippets of a registry language, if this suite can run it. */
export function interpreterFor(languageId: string): Interpreter | undefined {
  if (languageId === 'shellscript') return 'bash';
  if (languageId === 'python') return 'python';
  if (languageId === 'javascript') return 'node';
  return undefined;
}
