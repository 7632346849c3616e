// The report as Markdown: a summary table, then each check with its evidence, advice and
// copyable commands. Used by the VS Code preview and `imds doctor --markdown`.

import { changeLines, changeTarget } from '../../aws/ec2/change';
import type { CheckStatus, DoctorCheck, DoctorReport } from '../types';

export const STATUS_LABEL: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', info: 'INFO', skip: 'SKIP' };
const STATUS_ICON: Record<CheckStatus, string> = { pass: '✅', warn: '⚠️', fail: '❌', info: 'ℹ️', skip: '⏭️' };

/** Escapes text for a Markdown paragraph or table cell (no HTML, no accidental formatting). */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+!|<>~])/g, '\\$1').replace(/\r?\n/g, ' ');
}

function fence(lines: string[], language: string): string {
  const body = lines.join('\n');
  // A fence longer than any backtick run inside it.
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(Math.max(3, longest + 1));
  return `${ticks}${language}\n${body}\n${ticks}`;
}

export function summaryLine(report: DoctorReport): string {
  const c = report.counts;
  return `${c.fail} fail, ${c.warn} warn, ${c.pass} pass, ${c.info} info, ${c.skip} skipped`;
}

function renderCheck(check: DoctorCheck): string {
  const parts = [`### ${STATUS_ICON[check.status]} ${STATUS_LABEL[check.status]} — ${escapeMarkdown(check.title)}`, '', escapeMarkdown(check.summary)];
  if (check.evidence.length > 0) parts.push('', '**Evidence**', '', ...check.evidence.map((line) => `- ${escapeMarkdown(line)}`));
  if (check.advice.length > 0) parts.push('', '**What to do**', '', ...check.advice.map((line) => `- ${escapeMarkdown(line)}`));
  if (check.commands && check.commands.length > 0) parts.push('', fence(check.commands, 'sh'));
  if (check.fix) parts.push('', `**Fix through the EC2 API** (${escapeMarkdown(changeTarget(check.fix))}): ${changeLines(check.fix).map(escapeMarkdown).join('; ')}`);
  return parts.join('\n');
}

export function renderReportMarkdown(report: DoctorReport): string {
  const verdict = { pass: 'All checks passed', warn: 'Warnings', fail: 'Problems found' }[report.verdict];
  const lines = [
    '# IMDS doctor',
    '',
    `**${verdict}** — ${summaryLine(report)}.`,
    '',
    `Ran ${escapeMarkdown(report.ranOn)}; target ${escapeMarkdown(report.target.label)}; ${escapeMarkdown(report.startedAt)}, ${report.elapsedMs} ms.`,
    '',
    '| Status | Check | Summary |',
    '|---|---|---|',
    ...report.checks.map((c) => `| ${STATUS_ICON[c.status]} ${STATUS_LABEL[c.status]} | ${escapeMarkdown(c.title)} | ${escapeMarkdown(c.summary)} |`),
    '',
    ...report.checks.flatMap((c) => [renderCheck(c), '']),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
