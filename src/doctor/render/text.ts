// The report for a terminal: one line per check, evidence and advice indented under it, commands
// prefixed with `$ ` so they stand out and copy cleanly. Colour only when asked (a TTY).

import { changeLines, changeTarget } from '../../aws/ec2/change';
import { STATUS_LABEL, summaryLine } from './markdown';
import type { CheckStatus, DoctorReport } from '../types';

const COLOURS: Record<CheckStatus, string> = { pass: '\x1b[32m', warn: '\x1b[33m', fail: '\x1b[31m', info: '\x1b[36m', skip: '\x1b[2m' };
const RESET = '\x1b[0m';

export interface TextOptions {
  colour?: boolean;
  /** Show evidence and advice for passing and skipped checks too (default: only for the rest). */
  verbose?: boolean;
}

export function renderReportText(report: DoctorReport, options: TextOptions = {}): string {
  const paint = (status: CheckStatus, text: string) => (options.colour ? `${COLOURS[status]}${text}${RESET}` : text);
  const out: string[] = [`IMDS doctor: ran ${report.ranOn} (${report.elapsedMs} ms)`, ''];
  const width = Math.max(...report.checks.map((c) => c.title.length));
  for (const check of report.checks) {
    out.push(`${paint(check.status, STATUS_LABEL[check.status].padEnd(4))}  ${check.title.padEnd(width)}  ${check.summary}`);
    const detailed = options.verbose || (check.status !== 'pass' && check.status !== 'skip');
    if (!detailed) continue;
    for (const line of check.evidence) out.push(`        · ${line}`);
    for (const line of check.advice) out.push(`        → ${line}`);
    for (const command of check.commands ?? []) out.push(`        $ ${command}`);
    if (check.fix) out.push(`        ⚙ fix through the EC2 API (${changeTarget(check.fix)}): ${changeLines(check.fix).join('; ')}`);
  }
  const verdict = report.verdict === 'fail' ? 'FAIL' : report.verdict === 'warn' ? 'WARN' : 'PASS';
  out.push('', `${paint(report.verdict, verdict)}: ${summaryLine(report)}.`);
  return `${out.join('\n')}\n`;
}
