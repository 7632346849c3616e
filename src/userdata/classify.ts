// What a piece of user-data text is, decided the way cloud-init decides it: by how the text
// starts (handlers.type_from_starts_with), or by the MIME type a part declares.

import type { UserDataLanguage } from './types';

export interface Classification {
  contentType: string;
  language: UserDataLanguage;
  /** Short label for people: `shell script`, `cloud-config`, ... */
  kind: string;
  /** True when cloud-init has a handler for it (plain text it does not know is ignored). */
  recognised: boolean;
}

interface Prefix {
  prefix: string;
  contentType: string;
  language: UserDataLanguage;
  kind: string;
}

// cloud-init's INCLUSION_TYPES_MAP, searched longest prefix first, as cloud-init does.
const PREFIXES: Prefix[] = ([
  { prefix: '#include-once', contentType: 'text/x-include-once-url', language: 'plaintext', kind: 'include-once URL list' },
  { prefix: '#include', contentType: 'text/x-include-url', language: 'plaintext', kind: 'include URL list' },
  { prefix: '#!', contentType: 'text/x-shellscript', language: 'shellscript', kind: 'shell script' },
  { prefix: '#cloud-config-archive', contentType: 'text/cloud-config-archive', language: 'yaml', kind: 'cloud-config archive' },
  { prefix: '#cloud-config-jsonp', contentType: 'text/cloud-config-jsonp', language: 'json', kind: 'cloud-config JSON patch' },
  { prefix: '#cloud-config', contentType: 'text/cloud-config', language: 'yaml', kind: 'cloud-config' },
  { prefix: '#part-handler', contentType: 'text/part-handler', language: 'python', kind: 'part handler' },
  { prefix: '#cloud-boothook', contentType: 'text/cloud-boothook', language: 'shellscript', kind: 'boothook' },
  { prefix: '## template: jinja', contentType: 'text/jinja2', language: 'plaintext', kind: 'jinja template' },
] satisfies Prefix[]).sort((a, b) => b.prefix.length - a.prefix.length);

const BY_CONTENT_TYPE = new Map<string, Omit<Classification, 'contentType'>>([
  ['text/x-shellscript', { language: 'shellscript', kind: 'shell script', recognised: true }],
  ['text/x-shellscript-per-boot', { language: 'shellscript', kind: 'shell script (per boot)', recognised: true }],
  ['text/x-shellscript-per-instance', { language: 'shellscript', kind: 'shell script (per instance)', recognised: true }],
  ['text/x-shellscript-per-once', { language: 'shellscript', kind: 'shell script (once)', recognised: true }],
  ['text/cloud-boothook', { language: 'shellscript', kind: 'boothook', recognised: true }],
  ['text/cloud-config', { language: 'yaml', kind: 'cloud-config', recognised: true }],
  ['text/cloud-config-archive', { language: 'yaml', kind: 'cloud-config archive', recognised: true }],
  ['text/cloud-config-jsonp', { language: 'json', kind: 'cloud-config JSON patch', recognised: true }],
  ['text/jinja2', { language: 'plaintext', kind: 'jinja template', recognised: true }],
  ['text/part-handler', { language: 'python', kind: 'part handler', recognised: true }],
  ['text/x-include-url', { language: 'plaintext', kind: 'include URL list', recognised: true }],
  ['text/x-include-once-url', { language: 'plaintext', kind: 'include-once URL list', recognised: true }],
  ['text/upstart-job', { language: 'plaintext', kind: 'upstart job', recognised: false }],
  ['application/json', { language: 'json', kind: 'JSON', recognised: false }],
  ['text/yaml', { language: 'yaml', kind: 'YAML', recognised: false }],
  ['application/yaml', { language: 'yaml', kind: 'YAML', recognised: false }],
]);

/** Types cloud-init refines by looking at the content (cloud-init's TYPE_NEEDED and friends). */
const GENERIC_TYPES = new Set(['', 'text/plain', 'text/x-not-multipart', 'application/octet-stream']);

/** Classifies user-data text the way cloud-init routes a non-MIME payload. */
export function classifyText(text: string): Classification {
  const start = text.replace(/^\s+/, '').slice(0, 64).toLowerCase();
  for (const entry of PREFIXES) {
    if (start.startsWith(entry.prefix)) {
      const language = entry.contentType === 'text/jinja2' ? jinjaLanguage(text) : languageOfScript(entry.language, text);
      return { contentType: entry.contentType, language, kind: entry.kind, recognised: true };
    }
  }
  const trimmed = text.trim();
  if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && isJson(trimmed)) {
    const ignition = /"ignition"\s*:/.test(trimmed.slice(0, 4096));
    return { contentType: 'application/json', language: 'json', kind: ignition ? 'Ignition config (JSON)' : 'JSON', recognised: false };
  }
  if (/^version:\s*["']?1\.\d/m.test(trimmed.slice(0, 4096)) && /^tasks:/m.test(trimmed.slice(0, 16384))) {
    return { contentType: 'text/x-ec2launch-v2', language: 'yaml', kind: 'EC2Launch v2 tasks (YAML)', recognised: true };
  }
  return { contentType: 'text/plain', language: 'plaintext', kind: 'plain text', recognised: false };
}

/** Classifies a MIME part: its declared type wins unless it is generic, then its content decides. */
export function classifyPart(contentType: string, text: string): Classification {
  const type = contentType.toLowerCase();
  if (GENERIC_TYPES.has(type)) {
    const byContent = classifyText(text);
    return byContent.contentType === 'text/plain' ? { ...byContent, contentType: type || 'text/plain' } : byContent;
  }
  const known = BY_CONTENT_TYPE.get(type);
  if (known) {
    const language = type === 'text/jinja2' ? jinjaLanguage(text) : languageOfScript(known.language, text);
    return { contentType: type, ...known, language };
  }
  const byContent = classifyText(text);
  return { ...byContent, contentType: type, recognised: false };
}

/** `#!/usr/bin/env python3` is a script cloud-init runs, but it reads as Python, not shell. */
function languageOfScript(language: UserDataLanguage, text: string): UserDataLanguage {
  if (language !== 'shellscript') return language;
  const firstLine = text.replace(/^\s+/, '').split('\n', 1)[0].toLowerCase();
  if (!firstLine.startsWith('#!')) return language;
  if (/\bpython[0-9.]*\b/.test(firstLine)) return 'python';
  if (/\b(pwsh|powershell)\b/.test(firstLine)) return 'powershell';
  return language;
}

/** A jinja template renders to whatever its second line announces. */
function jinjaLanguage(text: string): UserDataLanguage {
  const lines = text.replace(/^\s+/, '').split('\n', 3);
  const next = (lines[1] ?? '').trim().toLowerCase();
  if (next.startsWith('#cloud-config')) return 'yaml';
  if (next.startsWith('#!')) return languageOfScript('shellscript', lines.slice(1).join('\n'));
  return 'plaintext';
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
