// A snapshot as text made for a side-by-side diff: one block per path in path order, short values
// on the path's line, JSON pretty-printed and indented below it, errors marked with `!`.
// Directories are left out (their paths show the structure). No vscode import.
import { isSecretPath } from '../imds/secrets';
import type { Snapshot } from '../imds/types';
import { parseJsonDocument } from './valueFormat';

const INDENT = '    ';

export function renderSnapshotText(snapshot: Snapshot): string {
  const lines = [`# IMDS snapshot of ${snapshot.source}, taken ${snapshot.takenAt}, root ${snapshot.root}`, ''];
  // A crawl that stopped at a bound says so first: what follows is not the whole tree.
  if (snapshot.incomplete) lines.splice(1, 0, `# Incomplete: stopped at ${snapshot.incomplete.at}: ${snapshot.incomplete.reason}.`);
  for (const entry of snapshot.entries) {
    if (entry.kind === 'dir') continue;
    if (entry.kind === 'error') {
      lines.push(`${entry.path} ! ${entry.status > 0 ? `${entry.status} ` : ''}${entry.error ?? 'error'}`);
      continue;
    }
    const value = entry.value ?? '';
    if (entry.encoding === 'base64' && isSecretPath(entry.path)) {
      // Masking works on text: a credential body that is not UTF-8 is hidden whole.
      lines.push(`${entry.path} = (binary, ${Buffer.from(value, 'base64').length} bytes, hidden: credential path)`);
      continue;
    }
    if (entry.encoding === 'base64') {
      lines.push(`${entry.path} = (binary, ${Buffer.from(value, 'base64').length} bytes, base64)`);
      for (const chunk of value.match(/.{1,76}/g) ?? []) lines.push(INDENT + chunk);
      continue;
    }
    const json = parseJsonDocument(value);
    const text = json === undefined ? value.replace(/\n$/, '') : JSON.stringify(json, null, 2);
    if (!text.includes('\n')) {
      lines.push(`${entry.path} = ${text}`);
    } else {
      lines.push(`${entry.path} =`);
      for (const line of text.split('\n')) lines.push(INDENT + line);
    }
  }
  return `${lines.join('\n')}\n`;
}
