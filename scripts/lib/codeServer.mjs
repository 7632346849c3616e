// Starts the real VS Code (code-server, installed by scripts/install-code-server.sh) on 127.0.0.1
// and drives it with Debian's Chromium through playwright-core. Shared by the integration runner,
// the screenshot run and `npm start`.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { URLSearchParams } from 'node:url';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const CODE_SERVER_VERSION = '4.100.3';

export function codeServerBin() {
  const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  const dir = process.env.CODE_SERVER_DIR ?? path.join(cache, 'ec2-metadata-explorer', `code-server-${CODE_SERVER_VERSION}`);
  return path.join(dir, 'node_modules/.bin/code-server');
}

/** Installs code-server (and the Debian packages it needs) unless the cached copy is there. */
export function ensureCodeServer() {
  execFileSync('bash', [path.join(root, 'scripts/install-code-server.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts code-server with password auth: 127.0.0.1 is reachable by every local user, and VS Code
 * gives whoever opens it a terminal as the user who started it. The password is random per start,
 * handed to code-server in its PASSWORD environment variable (never on a command line, which
 * `ps` shows to everyone), and returned so the caller can print it once or log a browser in.
 * Returns { url, port, password, userDataDir, stop(), login(), authenticate(context) }.
 * options: { workspace, extensionsDir, env, settings, port, quiet }
 */
export async function startCodeServer(options = {}) {
  const port = options.port ?? (await freePort());
  const base = mkdtempSync(path.join(os.tmpdir(), 'imds-vscode-'));
  const userDataDir = options.userDataDir ?? path.join(base, 'user-data');
  const extensionsDir = options.extensionsDir ?? path.join(base, 'extensions');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'workbench.enableExperiments': false, ...(options.settings ?? {}) }, null, 2),
  );
  const password = randomBytes(24).toString('base64url');
  const args = ['--auth', 'password', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust'];
  if (options.workspace) args.push(options.workspace);
  // HASHED_PASSWORD from the caller's environment would win over PASSWORD: drop it.
  const env = { ...process.env, ...(options.env ?? {}), PASSWORD: password };
  delete env.HASHED_PASSWORD;
  const child = spawn(codeServerBin(), args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const collect = (chunk) => {
    output += chunk;
    if (output.length > 200_000) output = output.slice(-100_000);
    if (options.verbose) process.stderr.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${url} within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  /** Logs in as a browser does (POST /login) and returns the session cookie code-server sets. */
  const login = async (attempt = password) => {
    const res = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ password: attempt }).toString() });
    const cookie = (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';', 1)[0]).find((c) => c.startsWith('code-server-session='));
    return cookie ? { name: 'code-server-session', value: cookie.slice('code-server-session='.length) } : undefined;
  };
  return {
    url,
    port,
    password,
    pid: child.pid,
    login,
    /** Gives a playwright browser context the session cookie, so pages open logged in. */
    async authenticate(context) {
      const cookie = await login();
      if (!cookie) throw new Error(`code-server at ${url} refused its own password`);
      await context.addCookies([{ ...cookie, url }]);
    },
    userDataDir,
    extensionsDir,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await new Promise((r) => {
        const t = setTimeout(() => {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
          r();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    },
  };
}

/** Launches headless Debian Chromium via playwright-core with the flags this network needs. */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  const executablePath = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!executablePath) throw new Error('Chromium not found: run scripts/setup-deps.sh (Debian package chromium)');
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** The workbench URL that loads an extension in development mode and, optionally, its tests. */
export function workbenchUrl(server, { workspace, extensionPath, testsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [];
  if (extensionPath) payload.push(['extensionDevelopmentPath', remote(extensionPath)]);
  if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
  let url = `${server.url}/?folder=${encodeURIComponent(workspace)}`;
  if (payload.length) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}
