// Writes the README's command and setting tables from package.json and package.nls.json, between
// the markers <!-- commands:start/end --> and <!-- settings:start/end -->, so they never drift.
//   node scripts/readme-tables.mjs [--check]   (--check: exit 1 when the README is out of date)
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const nls = JSON.parse(readFileSync(path.join(root, 'package.nls.json'), 'utf8'));
const t = (s) => (typeof s === 'string' ? s.replace(/^%(.+)%$/, (_, k) => nls[k] ?? s) : s);
const cell = (s) => String(s ?? '').replace(/\|/g, '\\|').replace(/\n+/g, ' ');

const hidden = new Set((pkg.contributes.menus?.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
const commands = [
  '| Command | In the palette | Command ID |',
  '| --- | --- | --- |',
  ...pkg.contributes.commands.map((c) => `| ${cell(`${c.category ? `${t(c.category)}: ` : ''}${t(c.title)}`)} | ${hidden.has(c.command) ? 'from the tree' : 'yes'} | \`${c.command}\` |`),
];
const props = pkg.contributes.configuration.properties ?? {};
const settings = [
  '| Setting | Default | Scope | Description |',
  '| --- | --- | --- | --- |',
  ...Object.entries(props).map(([key, p]) => `| \`${key}\` | \`${JSON.stringify(p.default)}\` | ${p.scope ?? 'window'} | ${cell(t(p.markdownDescription ?? p.description))} |`),
];

function replaceBetween(text, name, lines) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`README.md lacks the ${start} … ${end} markers`);
  return `${text.slice(0, i + start.length)}\n${lines.join('\n')}\n${text.slice(j)}`;
}

const readmePath = path.join(root, 'README.md');
const before = readFileSync(readmePath, 'utf8');
const after = replaceBetween(replaceBetween(before, 'commands', commands), 'settings', settings);
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error('README.md command/setting tables are out of date: run node scripts/readme-tables.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(readmePath, after);
  console.log('README.md tables updated');
}
