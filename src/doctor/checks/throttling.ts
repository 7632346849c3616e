// Throttling: IMDS limits requests per instance and answers 429 (or 503, "retry later") beyond it.
// The doctor counts what it met over every exchange it made, plus a short sequential sample.

import { LINKLOCAL_DROPS } from '../fixes';
import { describeExchange, isThrottleStatus } from '../probes';
import type { DoctorCheck, DoctorWhere, Exchange } from '../types';

export interface ThrottlingInput {
  exchanges: readonly Exchange[];
  /** Requests that stayed throttled through every retry. */
  gaveUp: readonly Exchange[];
  sampleSize: number;
  where: DoctorWhere;
  notApplicable?: string;
}

const TITLE = 'Throttling (429 / 503 answers)';

export function runThrottlingCheck(input: ThrottlingInput): DoctorCheck {
  if (input.notApplicable) return { id: 'throttling', title: TITLE, status: 'skip', summary: input.notApplicable, evidence: [], advice: [] };
  const answered = input.exchanges.filter((e) => e.outcome === 'answered');
  const throttled = answered.filter((e) => isThrottleStatus(e.status));
  const byStatus = new Map<number, number>();
  for (const e of throttled) byStatus.set(e.status, (byStatus.get(e.status) ?? 0) + 1);
  const counts = [...byStatus].map(([status, n]) => `${status} ×${n}`).join(', ');
  const evidence = [`${throttled.length} of ${answered.length} answers were 429/503${counts ? ` (${counts})` : ''}, over ${input.exchanges.length} requests including a sample of ${input.sampleSize} sequential GETs`];
  if (throttled.length === 0) {
    return { id: 'throttling', title: TITLE, status: 'pass', summary: `No throttling seen in ${answered.length} answers.`, evidence, advice: [] };
  }
  const paths = [...new Set(throttled.map((e) => `${e.method} ${e.path}`))];
  evidence.push(`throttled requests: ${paths.slice(0, 6).join(', ')}${paths.length > 6 ? ', …' : ''}`);
  for (const e of input.gaveUp.slice(0, 3)) evidence.push(`gave up after retries: ${describeExchange(e)}`);
  const advice = [
    'IMDS limits the requests per second of each instance (and the link-local packet rate of its network interface); a program that re-reads metadata or credentials in a tight loop starves everything else on the instance.',
    'Cache what you read (credentials until shortly before their Expiration), bound concurrency, and retry 429/503 with exponential backoff; current AWS SDKs do.',
    'Find who calls IMDS so often: sudo ss -tnp dst 169.254.169.254 lists the processes with connections to it.',
  ];
  if (byStatus.has(503)) advice.push('503 means "retry later": it also comes when IMDS is briefly busy; persistent 503s point at an overloaded instance.');
  if (input.where === 'emulator') advice.push('This is the local emulator: its throttleRps / errorRate faults are on.');
  const status = input.gaveUp.length > 0 ? 'fail' : 'warn';
  return {
    id: 'throttling', title: TITLE, status,
    summary:
      status === 'fail'
        ? `IMDS is throttling: ${throttled.length} answers were 429/503 and ${input.gaveUp.length} request(s) stayed throttled through every retry.`
        : `Throttling seen: ${throttled.length} of ${answered.length} answers were 429/503 (retries got through).`,
    evidence,
    advice,
    commands: [LINKLOCAL_DROPS, 'sudo ss -tnp dst 169.254.169.254'],
  };
}
