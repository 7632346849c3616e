// Windows user-data as EC2Launch (v1 and v2) reads it: `<script>` (cmd batch) and `<powershell>`
// blocks anywhere in the text, plus settings tags such as `<persist>true</persist>`.

import type { WindowsUserDataSettings } from './types';

export interface WindowsBlock {
  tag: 'powershell' | 'script';
  /** The text between the tags, as written. */
  body: string;
  /** False when the closing tag is missing (EC2Launch then finds no script). */
  closed: boolean;
}

export interface WindowsUserData {
  blocks: WindowsBlock[];
  settings: WindowsUserDataSettings;
  warnings: string[];
}

const SETTING_TAGS = ['persist', 'runAsLocalSystem', 'powershellArguments'];

/** Finds `<powershell>`/`<script>` blocks; undefined when the text has none. */
export function parseWindowsUserData(text: string): WindowsUserData | undefined {
  const lower = text.toLowerCase();
  if (!lower.includes('<powershell>') && !lower.includes('<script>')) return undefined;

  const blocks: WindowsBlock[] = [];
  const warnings: string[] = [];
  const consumed: Array<[number, number]> = [];
  let position = 0;
  while (position < lower.length) {
    const nextPowershell = lower.indexOf('<powershell>', position);
    const nextScript = lower.indexOf('<script>', position);
    if (nextPowershell === -1 && nextScript === -1) break;
    const tag: WindowsBlock['tag'] =
      nextScript === -1 || (nextPowershell !== -1 && nextPowershell < nextScript) ? 'powershell' : 'script';
    const open = tag === 'powershell' ? nextPowershell : nextScript;
    const bodyStart = open + tag.length + 2;
    const close = lower.indexOf(`</${tag}>`, bodyStart);
    if (close === -1) {
      blocks.push({ tag, body: text.slice(bodyStart), closed: false });
      warnings.push(`<${tag}> has no closing </${tag}> tag: EC2Launch will not run it.`);
      consumed.push([open, text.length]);
      break;
    }
    blocks.push({ tag, body: text.slice(bodyStart, close), closed: true });
    consumed.push([open, close + tag.length + 3]);
    position = close + tag.length + 3;
  }

  const settings: WindowsUserDataSettings = { persist: false };
  const persist = /<persist>\s*(\w+)\s*<\/persist>/i.exec(text);
  if (persist) settings.persist = persist[1].toLowerCase() === 'true';
  const localSystem = /<runAsLocalSystem>\s*(\w+)\s*<\/runAsLocalSystem>/i.exec(text);
  if (localSystem) settings.runAsLocalSystem = localSystem[1].toLowerCase() === 'true';
  const args = /<powershellArguments>([^<]*)<\/powershellArguments>/i.exec(text);
  if (args) settings.powershellArguments = args[1].trim();

  if (strayText(text, consumed)) {
    warnings.push('Text outside the <script>/<powershell> blocks and settings tags is ignored by EC2Launch.');
  }
  return { blocks, settings, warnings };
}

/** True when something other than whitespace and known settings tags sits outside the blocks. */
function strayText(text: string, consumed: Array<[number, number]>): boolean {
  let outside = '';
  let position = 0;
  for (const [start, end] of consumed) {
    outside += text.slice(position, start);
    position = end;
  }
  outside += text.slice(position);
  for (const tag of SETTING_TAGS) {
    outside = outside.replace(new RegExp(`<${tag}>[^<]*</${tag}>`, 'gi'), '');
  }
  return outside.trim().length > 0;
}
