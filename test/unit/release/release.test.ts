// What a stranger gets: the README's main-job command (`npm start`) opens the packaged extension in
// a local VS Code on the built-in emulator, and the .vsix holds only what runs.
// This runs the real thing: production build, vsce package, code-server --install-extension,
// Chromium opening the view. It needs code-server (scripts/setup-deps.sh installs it).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { startEmulator } from '../../../src/emulator/server';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const codeServerInstalled = () => {
  const cache = process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? '/root', '.cache');
  return existsSync(path.join(process.env.CODE_SERVER_DIR ?? path.join(cache, 'ec2-metadata-explorer', 'code-server-4.100.3'), 'node_modules/.bin/code-server'));
};

describe('release: the README commands and the package', () => {
  it('the README names exactly the two commands, and .ci/run runs its test command', () => {
    assert.match(readme, /^npm ci && npm start\b/m);
    assert.match(readme, /^npm ci && npm test\b/m);
    const ci = readFileSync(path.join(root, '.ci/run'), 'utf8');
    assert.match(ci, /^npm test$/m);
  });

  it('npm start builds, installs the .vsix into code-server and shows the emulator tree at the printed URL', { timeout: 300_000 }, async (t) => {
    if (!codeServerInstalled()) return t.skip('code-server is not installed: run scripts/setup-deps.sh');
    const child = spawn(process.execPath, [path.join(root, 'scripts/start.mjs'), '--check'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, out.slice(-3000));
    assert.match(out, /http:\/\/127\.0\.0\.1:\d+\/\?folder=/, 'prints the URL');
    // code-server asks for a password (issue #14): printed once, and an anonymous request only gets the login page.
    assert.match(out, /Password \(printed once, new at every start\): \S{32,}/, 'prints the password');
    assert.match(out, /without the password the URL answers 302 \(to the login page\)/, 'the URL refuses a request without the password');
    const rows = /check: the metadata view shows (\d+) rows: (.*)/.exec(out);
    assert.ok(rows, out.slice(-2000));
    assert.ok(Number(rows[1]) >= 1);
    assert.match(rows[2], /emulator/i, 'the built-in emulator is the source');
    assert.match(rows[2], /latest/, 'the tree loaded its first level');
  });

  it('the .vsix lists only runtime files: bundles, media, manifest, docs', { timeout: 120_000 }, () => {
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--production'], { cwd: root });
    const listed = execFileSync(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    assert.ok(listed.includes('dist/extension.js'));
    assert.ok(listed.includes('package.json'));
    const allowed = /^(dist\/[\w/.-]+\.m?js|media\/[\w/.-]+\.(png|svg|md)|snippets\/[\w.-]+\.json|package\.json|package\.nls\.json|README\.md|CHANGELOG\.md|LICENSE)$/;
    const unexpected = listed.filter((f) => !allowed.test(f));
    assert.deepEqual(unexpected, [], 'nothing but runtime files');
    assert.ok(!listed.some((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/') || f.includes('node_modules')));
  });

  it("undici's plain (non-SIMD) HTTP parser is a file apart, required only when SIMD WebAssembly fails", { timeout: 120_000 }, async () => {
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--production'], { cwd: root });
    const plain: string = require(path.join(root, 'node_modules/undici/lib/llhttp/llhttp-wasm.js')).toString('base64');
    const simd: string = require(path.join(root, 'node_modules/undici/lib/llhttp/llhttp_simd-wasm.js')).toString('base64');
    // A stretch of the plain parser's base64 that the SIMD one does not have: present in the bundle means bundled.
    const mark = plain.slice(plain.length / 2, plain.length / 2 + 48);
    assert.ok(!simd.includes(mark));
    const lazy = readdirSync(path.join(root, 'dist/lazy')).map((f) => `dist/lazy/${f}`);
    for (const bundle of ['dist/extension.js', 'dist/cli/imds.js', ...lazy]) {
      assert.ok(!readFileSync(path.join(root, bundle), 'utf8').includes(mark), `${bundle} does not carry the plain parser`);
    }
    const requiresPlain = /require\("\.{1,2}\/(\.\.\/)?llhttp-wasm\.js"\)/;
    for (const bundle of ['dist/extension.js', 'dist/cli/imds.js']) assert.match(readFileSync(path.join(root, bundle), 'utf8'), requiresPlain, `${bundle} requires dist/llhttp-wasm.js for the fallback`);
    // In an ES module the require is esbuild's shim over createRequire, renamed by minification.
    assert.ok(lazy.some((f) => /\("\.\.\/llhttp-wasm\.js"\)/.test(readFileSync(path.join(root, f), 'utf8'))), 'the lazy module with undici\'s client (the session WebSocket) requires it too');
    assert.ok(readFileSync(path.join(root, 'dist/llhttp-wasm.js'), 'utf8').includes(mark), 'dist/llhttp-wasm.js holds it');
    // Where SIMD is not used (undici's own switch, as on ppc64 before Node 24.12), the CLI still reads IMDS.
    const emulator = await startEmulator({ port: 0 });
    try {
      // Asynchronously: the emulator answers from this process's event loop.
      const { stdout } = await promisify(execFile)(process.execPath, [path.join(root, 'dist/cli/imds.js'), '--endpoint', emulator.url, 'get', 'meta-data/instance-id'], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, UNDICI_NO_WASM_SIMD: '1' },
      });
      assert.equal(stdout.trim(), emulator.facts.instanceId);
    } finally {
      await emulator.close();
    }
  });

  it('each AWS client is a lazy module of its own, the SDK core once: an SSM source loads no EC2 or CloudWatch code', { timeout: 120_000 }, async () => {
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--production'], { cwd: root });
    const dir = path.join(root, 'dist/lazy');
    const files = readdirSync(dir).filter((f) => f.endsWith('.mjs'));
    const text = new Map(files.map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
    const holders = (marker: RegExp) => files.filter((f) => marker.test(text.get(f)!));
    // A client's service target names it; smithy's client class is the SDK core every client uses.
    const clients = { ssm: /["']AmazonSSM["']/, ec2: /["']AmazonEC2["']/, cloudwatch: /["']GraniteServiceVersion20100801["']/, kms: /["']TrentService["']/ };
    const homes = Object.entries(clients).map(([name, marker]) => {
      const found = holders(marker);
      assert.equal(found.length, 1, `${name}: in exactly one lazy module (${found.join(', ')})`);
      return found[0];
    });
    assert.equal(new Set(homes).size, homes.length, `each client in its own module: ${homes.join(', ')}`);
    assert.equal(holders(/Could not load credentials from any providers/).length, 1, 'the credential chain once');

    // Import the SSM source's room and the SSM client's in a fresh Node, as a first SSM use does.
    const script = `await import(${JSON.stringify(path.join(dir, 'ssm-source.mjs'))}); await import(${JSON.stringify(path.join(dir, 'ssm-client.mjs'))}); process.stdout.write(JSON.stringify(globalThis.__imdsExplorerLazyModules.map((u) => u.slice(u.lastIndexOf('/') + 1))));`;
    const loaded: string[] = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
    const [ssmHome, ec2Home, cloudWatchHome, kmsHome] = homes;
    assert.ok(loaded.includes('ssm-source.mjs') && loaded.includes(ssmHome), `the SSM client loaded (${loaded.join(', ')})`);
    for (const other of [ec2Home, cloudWatchHome, kmsHome]) assert.ok(!loaded.includes(other), `${other} is not loaded by a first SSM use`);
  });
});
