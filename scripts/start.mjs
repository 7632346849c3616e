// The main job: build the extension, package it, install it into a local VS Code (code-server on
// 127.0.0.1) and open it with the built-in IMDS emulator as the source. Prints the URL and keeps
// running until Ctrl-C.
//   npm start [-- --port 8080] [-- --check]   (--check: open the tree once in Chromium, then exit)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { codeServerBin, ensureCodeServer, root, startCodeServer } from './lib/codeServer.mjs';

const argv = process.argv.slice(2);
const port = argv.includes('--port') ? Number(argv[argv.indexOf('--port') + 1]) : undefined;
const check = argv.includes('--check');

ensureCodeServer();
console.log('start: building and packaging the extension…');
const vsixDir = path.join(root, 'dist-vsix');
rmSync(vsixDir, { recursive: true, force: true });
mkdirSync(vsixDir, { recursive: true });
execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
execFileSync(process.execPath, [path.join(root, 'scripts/package.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const vsix = path.join(vsixDir, readdirSync(vsixDir).find((f) => f.endsWith('.vsix')));

const home = path.join(root, '.vscode-test', 'start');
const extensionsDir = path.join(home, 'extensions');
const userDataDir = path.join(home, 'user-data');
const workspace = path.join(home, 'workspace');
mkdirSync(workspace, { recursive: true });
execFileSync(codeServerBin(), ['--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix, '--force'], { stdio: ['ignore', 'ignore', 'inherit'] });

const server = await startCodeServer({ port, workspace, extensionsDir, userDataDir, settings: { 'imdsExplorer.source': 'emulator', 'git.openRepositoryInParentFolders': 'never' } });
const url = `${server.url}/?folder=${encodeURIComponent(workspace)}`;
console.log(`\nEC2 Instance Metadata Explorer is running in VS Code at:\n\n  ${url}\n\nPassword (printed once, new at every start): ${server.password}\n\nOpen it in a browser on this machine (bound to 127.0.0.1 only; use an SSH tunnel from elsewhere).\nThe password keeps other users of this machine out: VS Code gives whoever opens it a terminal as you.`);
console.log('The "EC2 Metadata" icon in the activity bar opens the tree, served by the built-in IMDS emulator. Ctrl-C stops.');

if (check) {
  // Without the password, code-server only offers its login page.
  const anonymous = await fetch(url, { redirect: 'manual' });
  const refused = anonymous.status === 302 && /login/.test(anonymous.headers.get('location') ?? '');
  console.log(`check: without the password the URL answers ${anonymous.status}${refused ? ' (to the login page)' : ''}`);
  if (!refused) {
    console.error('check: code-server serves VS Code without the password');
    await server.stop();
    process.exit(1);
  }
  const { openMetadataView } = await import('./lib/openView.mjs');
  const rows = await openMetadataView(server, workspace, { screenshot: 'screenshots/start-check.png' });
  console.log(`check: the metadata view shows ${rows.length} rows: ${rows.slice(0, 6).join(' | ')}`);
  await server.stop();
  process.exit(rows.length > 0 ? 0 : 1);
}
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
