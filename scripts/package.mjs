// Packages the already-built extension into dist-vsix/<name>-<version>.vsix and reports sizes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { name, version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.join(root, 'dist-vsix', `${name}-${version}.vsix`);
mkdirSync(path.dirname(out), { recursive: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '-o', out], { cwd: root, stdio: 'inherit' });
const kb = (p) => (statSync(p).size / 1024).toFixed(1);
console.log(`package: ${path.relative(root, out)} ${kb(out)} KiB (dist/extension.js ${kb(path.join(root, 'dist/extension.js'))} KiB)`);
