// The Markdown document "IMDS: Compare SSM Fleet…" opens: one row per path that differs across the
// instances, one column per instance, then the instances that could not be compared and why. No
// vscode and no SDK here (types only), so it is tested in plain Node; values arrive already masked.
import type { FleetCell, FleetComparison } from '../sources/ssm/instances';

/** Longest cell text; longer values are cut (the whole value is one "Add SSM Instance…" away). */
export const CELL_MAX = 60;

export interface FleetReportInput {
  comparison: FleetComparison;
  /** Instances reached whose snapshot failed (not in the comparison). */
  failed: { instanceId: string; message: string }[];
  /** Instances a tag matched that were not sent the command. */
  skipped: { instanceId: string; reason: string }[];
  /** What was targeted, e.g. "2 instances" or "tag Env=prod". */
  target: string;
  region?: string;
  profile?: string;
  commandsSent: number;
  elapsedMs: number;
  /** Instance id -> name, for the column headings. */
  names?: ReadonlyMap<string, string>;
}

export interface FleetReport {
  markdown: string;
  /** One line for a notification: what differs, how many, what failed. */
  summary: string;
}

/** Text for a Markdown table cell: one line, pipes escaped (GFM splits cells on them, even in code). */
function escapeCell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
}

/** A value as a code span, so it reads exactly as the instance has it (in the source and the preview). */
function codeSpan(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  const pad = fence.length > 1 || text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${escapeCell(text)}${pad}${fence}`;
}

/** Most characters kept before the first difference when a long value is cut there. */
const LEAD = 40;

const flatten = (value: string) => value.replace(/\s+/g, ' ').trim();

/**
 * Where a row's long text values should start so their first difference shows: just after the
 * last ", " or "{ " before it (a JSON field's name stays readable), else LEAD characters before it.
 */
function cutStart(cells: readonly FleetCell[]): number {
  const texts = cells.flatMap((cell) => (cell.kind === 'value' && cell.encoding !== 'base64' ? [flatten(cell.value)] : []));
  if (texts.length < 2 || texts.every((t) => t.length <= CELL_MAX)) return 0;
  let i = 0;
  while (i < texts[0].length && texts.every((t) => t[i] === texts[0][i])) i++;
  if (i <= LEAD) return 0;
  const prefix = texts[0].slice(i - LEAD, i);
  const boundary = Math.max(prefix.lastIndexOf(', '), prefix.lastIndexOf('{ '));
  return boundary >= 0 ? i - LEAD + boundary + 2 : i - LEAD;
}

function cellText(cell: FleetCell, from: number): { text: string; cut: boolean } {
  switch (cell.kind) {
    case 'value': {
      if (cell.encoding === 'base64') return { text: `*binary, ${Math.floor((cell.value.replace(/=+$/, '').length * 3) / 4)} bytes*`, cut: false };
      const flat = flatten(cell.value);
      if (flat === '') return { text: '*(empty)*', cut: false };
      if (flat.length <= CELL_MAX) return { text: codeSpan(flat), cut: false };
      const start = Math.min(from, Math.max(0, flat.length - CELL_MAX));
      const head = start > 0 ? '…' : '';
      const end = start + CELL_MAX - head.length - 1;
      return { text: codeSpan(`${head}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`), cut: true };
    }
    case 'error':
      return { text: `*error${cell.status ? ` ${cell.status}` : ''}*`, cut: false };
    case 'dir':
      return { text: '*directory*', cut: false };
    default:
      return { text: '*absent*', cut: false };
  }
}

/** `Key=Value` as a tag (both parts needed; the value may contain '='). */
export function parseTag(text: string): { key: string; value: string } | undefined {
  const match = /^\s*([^=]+?)\s*=\s*(.+?)\s*$/.exec(text);
  return match ? { key: match[1], value: match[2] } : undefined;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function fleetSummary(input: Pick<FleetReportInput, 'comparison' | 'failed' | 'skipped'>): string {
  const { comparison, failed, skipped } = input;
  const n = comparison.instances.length;
  const head = n < 2
    ? `${plural(n, 'instance')} answered: nothing to compare`
    : comparison.differing.length === 0
      ? `All ${n} instances agree on every path (${comparison.sameCount})`
      : `${plural(comparison.differing.length, 'path')} differ across ${n} instances; ${comparison.sameCount} are the same`;
  const tail = [failed.length ? `${failed.length} failed` : '', skipped.length ? `${skipped.length} skipped` : ''].filter(Boolean).join(', ');
  return `${head}${tail ? `; ${tail}` : ''}.`;
}

/** The comparison as Markdown, with its summary line. */
export function fleetReportMarkdown(input: FleetReportInput): FleetReport {
  const { comparison } = input;
  const summary = fleetSummary(input);
  const where = [input.region, input.profile ? `profile ${input.profile}` : 'default credentials',
    plural(input.commandsSent, 'SendCommand'), `${(input.elapsedMs / 1000).toFixed(1)} s`].filter(Boolean).join(' · ');
  const lines = ['# SSM fleet comparison', '', `**${summary}**`, '', `Target: ${escapeCell(input.target)} · ${escapeCell(where)}`, ''];

  if (comparison.instances.length >= 2 && comparison.differing.length > 0) {
    const heading = (id: string) => {
      const name = input.names?.get(id);
      return escapeCell(name && name !== id ? `${id} (${name})` : id);
    };
    lines.push(`| Path | ${comparison.instances.map(heading).join(' | ')} |`, `| --- |${' --- |'.repeat(comparison.instances.length)}`);
    let anyCut = false;
    for (const row of comparison.differing) {
      const from = cutStart(row.cells);
      const cells = row.cells.map((cell) => cellText(cell, from));
      anyCut ||= cells.some((c) => c.cut);
      lines.push(`| ${codeSpan(row.path)} | ${cells.map((c) => c.text).join(' | ')} |`);
    }
    lines.push('');
    if (anyCut) lines.push(`Values longer than ${CELL_MAX} characters are cut (…) around where they first differ; "IMDS: Add SSM Instance…" shows an instance's values whole.`, '');
    lines.push('Secrets are masked as in the tree. *absent*: the instance has no such path.', '');
  }

  if (input.failed.length) {
    lines.push('## Not compared: the snapshot failed', '');
    for (const f of input.failed) lines.push(`- \`${f.instanceId}\`: ${escapeCell(f.message)}`);
    lines.push('');
  }
  if (input.skipped.length) {
    lines.push('## Not sent the command', '');
    for (const s of input.skipped) lines.push(`- \`${s.instanceId}\`: ${escapeCell(s.reason)}`);
    lines.push('');
  }
  return { markdown: lines.join('\n'), summary };
}
