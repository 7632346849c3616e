// The posture report as a terminal summary, CSV and JSON, and the exit status CI gates on:
// 0 every instance requires tokens (or has IMDS off), 1 findings, 2 a Region could not be read.
import { CLASS_LABELS, CLASS_ORDER, type PostureClass, type PostureInstance, type PostureReport } from './types';

/** Classes where IMDSv1 is still accepted: what Security Hub's EC2.8 reports. */
export const FINDING_CLASSES: ReadonlySet<PostureClass> = new Set(['ready', 'needs-work', 'stopped', 'no-data']);

export function allInstances(report: PostureReport): PostureInstance[] {
  return report.regions.flatMap((region) => region.instances);
}

export function exitCodeOf(report: PostureReport): 0 | 1 | 2 {
  if (report.regions.some((region) => region.error)) return 2;
  return report.regions.some((region) => [...FINDING_CLASSES].some((c) => region.counts[c] > 0)) ? 1 : 0;
}

const n = (value: number) => value.toLocaleString('en-US');

function defaultsLine(report: PostureReport['regions'][number]): string {
  if (!report.defaults) return 'account defaults: unread';
  const parts = Object.entries(report.defaults).map(([key, value]) => `${key}=${value}`);
  return `account defaults: ${parts.length ? parts.join(', ') : 'no preference (new instances use the AMI\'s settings)'}`;
}

export function renderPostureText(report: PostureReport, options: { top?: number } = {}): string {
  const top = options.top ?? 10;
  const lines: string[] = [];
  lines.push(`IMDS posture${report.profile ? ` of profile ${report.profile}` : ''}: ${report.days}-day window ${report.windowStart.slice(0, 10)} → ${report.windowEnd.slice(0, 10)}`);
  for (const region of report.regions) {
    lines.push('');
    if (region.error) {
      lines.push(`${region.region}: could not be read: ${region.error}`);
      continue;
    }
    lines.push(`${region.region}: ${n(region.instances.length)} instances; ${defaultsLine(region)}`);
    for (const cls of CLASS_ORDER) {
      if (region.counts[cls]) lines.push(`  ${CLASS_LABELS[cls].padEnd(36)} ${n(region.counts[cls]).padStart(7)}`);
    }
  }
  const instances = allInstances(report);
  const needsWork = instances.filter((i) => i.class === 'needs-work').sort((a, b) => (b.noToken?.total ?? 0) - (a.noToken?.total ?? 0));
  if (needsWork.length) {
    lines.push('', `Most tokenless calls (fix the software before requiring tokens):`);
    for (const instance of needsWork.slice(0, top)) {
      lines.push(`  ${instance.region.padEnd(15)} ${instance.instanceId}  ${(instance.name ?? '').slice(0, 28).padEnd(28)} ${n(instance.noToken?.total ?? 0).padStart(9)} calls on ${instance.noToken?.nonZeroDays.length ?? 0} days`);
    }
    if (needsWork.length > top) lines.push(`  … and ${n(needsWork.length - top)} more (--json or --csv lists all)`);
  }
  const findings = instances.filter((i) => FINDING_CLASSES.has(i.class)).length;
  lines.push('', findings
    ? `${n(findings)} of ${n(instances.length)} instances still accept IMDSv1. Next: imds enforce --from <this report as JSON> --only ready`
    : `All ${n(instances.length)} instances require tokens or have IMDS off.`);
  lines.push('No tokenless call in the window is evidence, not proof: a job that runs monthly, or at boot, may still need IMDSv1.');
  return `${lines.join('\n')}\n`;
}

/** A CSV cell: quoted when needed, and never read as a formula by a spreadsheet (names are user text). */
export function csvCell(value: string | number | undefined): string {
  let text = value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_HEADER = ['region', 'instance_id', 'name', 'state', 'launch_time', 'class', 'http_tokens', 'http_endpoint', 'hop_limit',
  'tokenless_calls', 'tokenless_days', 'rejected_calls', 'evidence'];

export function csvRow(i: PostureInstance): string {
  return [i.region, i.instanceId, i.name, i.state, i.launchTime, i.class, i.metadataOptions?.httpTokens, i.metadataOptions?.httpEndpoint,
    i.metadataOptions?.httpPutResponseHopLimit, i.noToken?.total, i.noToken?.nonZeroDays.map(([d]) => d).join(' '), i.noTokenRejected?.total, i.evidence]
    .map(csvCell).join(',');
}

export function renderPostureCsv(instances: Iterable<PostureInstance>): string {
  const rows = [CSV_HEADER.join(',')];
  for (const instance of instances) rows.push(csvRow(instance));
  return `${rows.join('\n')}\n`;
}

export function renderPostureJson(report: PostureReport): string {
  return `${JSON.stringify(report, null, 1)}\n`;
}

export class PostureFileError extends Error {}

/** Reads a report written by `imds posture --json` or the view's export. */
export function parsePostureReport(text: string): PostureReport {
  let data: Partial<PostureReport>;
  try {
    data = JSON.parse(text) as Partial<PostureReport>;
  } catch (error) {
    throw new PostureFileError(`The posture file is not JSON (${(error as Error).message}). Write one with: imds posture --json > posture.json`);
  }
  if (data?.kind !== 'imds-posture' || data.version !== 1 || !Array.isArray(data.regions)) {
    throw new PostureFileError('This is not an IMDS posture report (kind "imds-posture", version 1). Write one with: imds posture --json > posture.json');
  }
  return data as PostureReport;
}
