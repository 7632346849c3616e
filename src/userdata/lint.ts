// Mistakes that decode fine but make cloud-init skip or break the user-data at boot. Each warning
// says what will happen and what to change.

import type { Classification } from './classify';

const NEAR_MISSES: Array<{ pattern: RegExp; want: string }> = [
  { pattern: /^#\s+cloud-config\b/i, want: '#cloud-config' },
  { pattern: /^#\s*cloud[_ ]?config\b/i, want: '#cloud-config' },
  { pattern: /^#!\s*cloud-config\b/i, want: '#cloud-config' },
  { pattern: /^#\s+cloud-boothook\b/i, want: '#cloud-boothook' },
  { pattern: /^#\s+include\b/i, want: '#include' },
];

/** Warnings for one piece of text, given how it was classified. */
export function lintText(text: string, classification: Classification): string[] {
  const warnings: string[] = [];
  const start = text.replace(/^\s+/, '');
  const firstLineEnd = start.indexOf('\n');
  const firstLine = firstLineEnd === -1 ? start : start.slice(0, firstLineEnd + 1);

  if (!classification.recognised && classification.contentType === 'text/plain') {
    const nearMiss = NEAR_MISSES.find((entry) => entry.pattern.test(start));
    if (nearMiss) {
      warnings.push(
        `The first line is "${firstLine.trim()}", not "${nearMiss.want}": cloud-init does not recognise it and will ignore this user-data.`,
      );
    } else {
      warnings.push(
        'No #!, #cloud-config, MIME header or <powershell>/<script> block at the start: cloud-init ignores ' +
          'this user-data (it is only readable by software that fetches it itself).',
      );
    }
  }
  if (classification.language === 'shellscript' && firstLine.startsWith('#!') && firstLine.endsWith('\r\n')) {
    warnings.push(
      'Windows (CRLF) line endings: the #! line ends in "\\r", so Linux reports "bad interpreter" and the ' +
        'script does not run. Save it with LF line endings.',
    );
  }
  if (classification.language === 'yaml' && /^ *\t/m.test(text)) {
    warnings.push('Tab indentation: YAML does not allow tabs for indentation, so cloud-init cannot parse this config. Use spaces.');
  }
  if (classification.contentType === 'text/x-shellscript' && /^\s/.test(text) && start.startsWith('#!')) {
    warnings.push(
      'Whitespace before "#!": cloud-init treats it as a script, but the kernel needs "#!" as the very first ' +
        'bytes, so running it fails with "Exec format error". Remove the leading blank lines or spaces.',
    );
  }
  return warnings;
}
