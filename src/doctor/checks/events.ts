// Pending instance events: a Spot interruption notice, a rebalance recommendation, scheduled
// maintenance. Not misconfigurations, but things a person must act on soon: they warn, with times.

import type { Fixes } from '../fixes';
import { formatRelative, parseJson } from '../format';
import type { TreeReader } from '../reader';
import type { DoctorCheck } from '../types';

export interface EventsInput {
  reader?: TreeReader;
  blockedReason?: string;
  fixes: Fixes;
  now: number;
}

const TITLES = {
  spot: 'Spot interruption notice',
  rebalance: 'Rebalance recommendation',
  scheduled: 'Scheduled events (maintenance)',
} as const;

export async function runEventChecks(input: EventsInput): Promise<DoctorCheck[]> {
  const { reader, now } = input;
  if (!reader) {
    const summary = input.blockedReason ?? 'Nothing could be read.';
    return [
      { id: 'spot-interruption', title: TITLES.spot, status: 'skip', summary, evidence: [], advice: [] },
      { id: 'rebalance', title: TITLES.rebalance, status: 'skip', summary, evidence: [], advice: [] },
      { id: 'scheduled-events', title: TITLES.scheduled, status: 'skip', summary, evidence: [], advice: [] },
    ];
  }
  const lifeCycle = await reader.read('/latest/meta-data/instance-life-cycle');
  const kind = lifeCycle.status === 200 && lifeCycle.body ? lifeCycle.body.toString('utf8').trim() : undefined;
  const isSpot = kind === 'spot';
  const lifeLine = kind ? `instance-life-cycle: ${kind}` : lifeCycle.line;
  const checks: DoctorCheck[] = [];

  // Spot interruption.
  const action = await reader.read('/latest/meta-data/spot/instance-action');
  if (action.status === 200) {
    const notice = parseJson(action.body) as { action?: unknown; time?: unknown } | undefined;
    const what = typeof notice?.action === 'string' ? notice.action : 'an action';
    const when = typeof notice?.time === 'string' ? formatRelative(notice.time, now) : 'soon';
    checks.push({
      id: 'spot-interruption', title: TITLES.spot, status: 'warn',
      summary: `Spot interruption pending: EC2 will ${what} this instance at ${when}.`,
      evidence: [lifeLine, action.line, `action ${what}`, `time ${when}`],
      advice: [
        'The notice comes about two minutes ahead and cannot be cancelled: stop taking new work, checkpoint, and drain (deregister from load balancers, finish or hand off jobs) now.',
        'Watch for rebalance recommendations as well: they often come earlier and leave more time.',
      ],
    });
  } else if (action.status === 404) {
    checks.push(
      isSpot
        ? { id: 'spot-interruption', title: TITLES.spot, status: 'pass', summary: 'No interruption notice (spot/instance-action answers 404).', evidence: [lifeLine, action.line], advice: [] }
        : { id: 'spot-interruption', title: TITLES.spot, status: 'skip', summary: `Not a Spot Instance (${kind ?? 'life cycle unknown'}): no interruption notices apply.`, evidence: [lifeLine, action.line], advice: [] },
    );
  } else {
    checks.push({ id: 'spot-interruption', title: TITLES.spot, status: 'warn', summary: `Could not read spot/instance-action: ${action.line}.`, evidence: [lifeLine, action.line], advice: ['Run the doctor again.'] });
  }

  // Rebalance recommendation.
  const rebalance = await reader.read('/latest/meta-data/events/recommendations/rebalance');
  if (rebalance.status === 200) {
    const body = parseJson(rebalance.body) as { noticeTime?: unknown } | undefined;
    const when = typeof body?.noticeTime === 'string' ? formatRelative(body.noticeTime, now) : 'unknown time';
    checks.push({
      id: 'rebalance', title: TITLES.rebalance, status: 'warn',
      summary: `EC2 recommends rebalancing (notice ${when}): this Spot Instance is at elevated risk of interruption.`,
      evidence: [lifeLine, rebalance.line, `noticeTime ${when}`],
      advice: ['Start a replacement now and move work off this instance before an interruption notice leaves two minutes (Auto Scaling Capacity Rebalancing does it for groups).'],
    });
  } else if (rebalance.status === 404) {
    checks.push(
      isSpot
        ? { id: 'rebalance', title: TITLES.rebalance, status: 'pass', summary: 'No rebalance recommendation.', evidence: [rebalance.line], advice: [] }
        : { id: 'rebalance', title: TITLES.rebalance, status: 'skip', summary: `Not a Spot Instance (${kind ?? 'life cycle unknown'}): no rebalance recommendations apply.`, evidence: [lifeLine, rebalance.line], advice: [] },
    );
  } else {
    checks.push({ id: 'rebalance', title: TITLES.rebalance, status: 'warn', summary: `Could not read the rebalance recommendation: ${rebalance.line}.`, evidence: [rebalance.line], advice: ['Run the doctor again.'] });
  }

  // Scheduled maintenance events.
  const scheduled = await reader.read('/latest/meta-data/events/maintenance/scheduled');
  if (scheduled.status === 200) {
    const events = parseJson(scheduled.body);
    const list = Array.isArray(events) ? (events as Record<string, unknown>[]) : undefined;
    const active = (list ?? []).filter((e) => e && typeof e === 'object' && (e.State === undefined || e.State === 'active'));
    if (list === undefined) {
      checks.push({ id: 'scheduled-events', title: TITLES.scheduled, status: 'warn', summary: 'events/maintenance/scheduled is not a JSON list.', evidence: [scheduled.line], advice: ['Something other than IMDS may be answering.'] });
    } else if (active.length === 0) {
      checks.push({ id: 'scheduled-events', title: TITLES.scheduled, status: 'pass', summary: 'No scheduled events are pending.', evidence: [scheduled.line, `${list.length} event(s) listed, none active`], advice: [] });
    } else {
      const lines = active.map((e) => `${String(e.Code)} ${String(e.EventId ?? '')}: ${String(e.Description ?? '')}, not before ${String(e.NotBefore)}${e.NotAfter ? `, not after ${String(e.NotAfter)}` : ''}${e.NotBeforeDeadline ? `, can be rescheduled until ${String(e.NotBeforeDeadline)}` : ''}`);
      checks.push({
        id: 'scheduled-events', title: TITLES.scheduled, status: 'warn',
        summary: `${active.length} scheduled event(s) pending: ${active.map((e) => `${String(e.Code)} not before ${String(e.NotBefore)}`).join('; ')}.`,
        evidence: [scheduled.line, ...lines],
        advice: [
          'Plan for it: reboots happen in the window shown; instance-stop and instance-retirement need a stop and start (which moves the instance to healthy hardware) before the deadline.',
          'Some events can be rescheduled (aws ec2 modify-instance-event-start-time) while NotBeforeDeadline allows.',
        ],
        commands: [input.fixes.describeEvents],
      });
    }
  } else if (scheduled.status === 404) {
    checks.push({ id: 'scheduled-events', title: TITLES.scheduled, status: 'pass', summary: 'No scheduled events are pending (events/maintenance/scheduled answers 404).', evidence: [scheduled.line], advice: [] });
  } else {
    checks.push({ id: 'scheduled-events', title: TITLES.scheduled, status: 'warn', summary: `Could not read scheduled events: ${scheduled.line}.`, evidence: [scheduled.line], advice: ['Run the doctor again.'] });
  }
  return checks;
}
