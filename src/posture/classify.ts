// Classification of one instance from its MetadataOptions, state, launch time and metric sums.
// The order of the checks is the argument: a disabled endpoint or a stopped instance says nothing
// about token use; "required" needs no metric; an optional instance is "ready" only with a full
// window of datapoints and no tokenless call in it. Absence of calls is evidence, not proof.
import type { Classification, DailyCounts, InventoryInstance } from './types';

export interface PostureWindow {
  start: Date;
  end: Date;
  days: number;
}

const RUNNING_STATES = new Set(['running', 'pending']);

function plural(count: number, word: string): string {
  return `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
}

/** "on 3 days (2026-11-20, 2026-11-25, 2026-12-01)": at most the last five dates, earlier ones as "…". */
export function describeDays(counts: DailyCounts): string {
  const dates = counts.nonZeroDays.map(([day]) => day);
  const shown = dates.length > 5 ? `…, ${dates.slice(-5).join(', ')}` : dates.join(', ');
  return `on ${plural(dates.length, 'day')} (${shown})`;
}

export function classify(
  instance: InventoryInstance,
  metrics: { noToken?: DailyCounts; noTokenRejected?: DailyCounts },
  window: PostureWindow,
): Classification {
  const options: Partial<NonNullable<InventoryInstance['metadataOptions']>> = instance.metadataOptions ?? {};
  const pending = options.state === 'pending' ? ' (a change to these options is still being applied)' : '';
  if (options.httpEndpoint === 'disabled') {
    return { class: 'disabled', evidence: `HttpEndpoint is disabled: the instance cannot read IMDS at all${pending}.` };
  }
  if (options.httpTokens === 'required') {
    const rejected = metrics.noTokenRejected;
    const refused = rejected && rejected.total > 0
      ? ` ${plural(rejected.total, 'tokenless call')} refused (MetadataNoTokenRejected) ${describeDays(rejected)}: software on it still tries IMDSv1.`
      : '';
    return { class: 'required', evidence: `HttpTokens is required${pending}.${refused}` };
  }
  if (!RUNNING_STATES.has(instance.state)) {
    return {
      class: 'stopped',
      evidence: `The instance is ${instance.state}: it publishes no metrics, so nothing shows whether its software reads IMDS without a token. HttpTokens is ${options.httpTokens ?? 'optional'}.`,
    };
  }
  const noToken = metrics.noToken;
  if (noToken && noToken.total > 0) {
    return {
      class: 'needs-work',
      evidence: `HttpTokens is optional and ${plural(noToken.total, 'tokenless call')} (MetadataNoToken) were made in the last ${window.days} days, ${describeDays(noToken)}. Requiring tokens would break the software that made them.`,
    };
  }
  const launched = instance.launchTime ? new Date(instance.launchTime) : undefined;
  if (launched && launched.getTime() > window.start.getTime()) {
    const ageDays = Math.max(0, Math.floor((window.end.getTime() - launched.getTime()) / 86_400_000));
    return {
      class: 'no-data',
      evidence: `HttpTokens is optional and no tokenless call was seen, but the instance is ${plural(ageDays, 'day')} old, younger than the ${window.days}-day window.`,
    };
  }
  if (!noToken || noToken.daysWithData === 0) {
    return {
      class: 'no-data',
      evidence: `HttpTokens is optional and CloudWatch holds no MetadataNoToken datapoint for the last ${window.days} days (metric missing).`,
    };
  }
  return {
    class: 'ready',
    evidence: `HttpTokens is optional and MetadataNoToken was 0 on each of the ${plural(noToken.daysWithData, 'day')} with data in the last ${window.days} days${pending}.`,
  };
}
