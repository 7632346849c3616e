// Scenarios: timelines laid over the base tree, switchable at runtime. Each one changes the
// served leaves in phases (e.g. spot: nothing → interruption notice); a phase change only marks the
// tree dirty, so the next request recompiles the routes once.
import { imdsJson, isoSeconds } from './credentials';
import { InstanceFacts } from './defaultInstance';
import { EmulatorSettingError, boundedTimeout, durationSecondsProblem } from './bounds';
import { Leaf, deleteSubtree } from './metadataTree';

/** A bad scenario option; `option` names it so a config can name its own key. */
export class ScenarioOptionError extends EmulatorSettingError {
  constructor(readonly option: string, message: string) {
    super(message);
    this.name = 'ScenarioOptionError';
  }
}

export const scenarioNames = ['none', 'spot-interruption', 'rebalance', 'scheduled-events', 'asg-lifecycle', 'iam-role-attach'] as const;
export type ScenarioName = (typeof scenarioNames)[number];

export interface ScenarioOptions {
  /** Seconds before the event appears (spot, rebalance, scheduled-events, asg-lifecycle). Default 0. */
  delaySeconds?: number;
  /** spot-interruption: `terminate` (default), `stop` or `hibernate`. */
  action?: 'terminate' | 'stop' | 'hibernate';
  /** spot-interruption: seconds from the notice to the action time. Default 120, as on EC2. */
  noticeSeconds?: number;
  /** spot-interruption: fixed action time (RFC 3339) instead of notice + noticeSeconds. */
  time?: string;
  /** rebalance: fixed noticeTime (RFC 3339) instead of the moment it appears. */
  noticeTime?: string;
  /** scheduled-events: event code. Default `system-reboot`. */
  code?: 'instance-reboot' | 'system-reboot' | 'system-maintenance' | 'instance-retirement' | 'instance-stop';
  /** scheduled-events: seconds from now to NotBefore. Default 3 days. */
  notBeforeSeconds?: number;
  /** scheduled-events: length of the window in seconds. Default 2 hours. */
  durationSeconds?: number;
  /** scheduled-events: `active` (default), `completed` or `canceled`. */
  state?: string;
  /** scheduled-events: fixed times (RFC 3339) instead of the relative ones. */
  notBefore?: string;
  notAfter?: string;
  notBeforeDeadline?: string;
  /** scheduled-events: EventId. Default `instance-event-0d59937288b749b32`. */
  eventId?: string;
  /** asg-lifecycle: state reached after delaySeconds. Default `Terminated`. */
  targetState?: string;
  /** iam-role-attach: seconds until iam/info appears. Default 5. */
  infoAfterSeconds?: number;
  /** iam-role-attach: seconds until the credentials appear. Default 15. */
  credentialsAfterSeconds?: number;
}

export interface ScenarioContext {
  now(): number;
  facts: InstanceFacts;
  /** Tells the emulator the served tree changed. */
  invalidate(): void;
  /** Starts fresh credentials for the role (the moment a role is attached). */
  resetRoleCredentials(): void;
}

export interface ActiveScenario {
  readonly name: ScenarioName;
  /** Human summary of where the timeline is, for the status bar and the CLI. */
  describe(): string;
  apply(leaves: Map<string, Leaf>): void;
  dispose(): void;
}

const optionKeys: ReadonlySet<string> = new Set([
  'delaySeconds', 'action', 'noticeSeconds', 'time', 'noticeTime', 'code', 'notBeforeSeconds', 'durationSeconds',
  'state', 'notBefore', 'notAfter', 'notBeforeDeadline', 'eventId', 'targetState', 'infoAfterSeconds',
  'credentialsAfterSeconds',
]);

/** Parses an RFC 3339 time option to epoch ms; throws naming the option. */
function timeOption(opts: ScenarioOptions, key: 'time' | 'noticeTime' | 'notBefore' | 'notAfter' | 'notBeforeDeadline'): number | undefined {
  const value = opts[key];
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new ScenarioOptionError(key, `Scenario option "${key}" must be an RFC 3339 time like 2020-01-07T01:03:47Z (got ${JSON.stringify(value)}).`);
  return ms;
}

function seconds(opts: ScenarioOptions, key: keyof ScenarioOptions, fallback: number): number {
  const value = opts[key] ?? fallback;
  const problem = durationSecondsProblem(value);
  if (problem) throw new ScenarioOptionError(key, `Scenario option "${key}" ${problem}.`);
  return value as number;
}

/** A free-text option: a string of printable characters, served inside JSON or a leaf. */
function textOption(opts: ScenarioOptions, key: 'eventId' | 'targetState', fallback: string): string {
  const value = opts[key] ?? fallback;
  if (typeof value !== 'string' || !/^[\x20-\x7e]{1,256}$/.test(value)) {
    throw new ScenarioOptionError(key, `Scenario option "${key}" must be printable ASCII text of 1..256 characters (got ${JSON.stringify(value)}).`);
  }
  return value;
}

/** "21 Jan 2019 09:00:43 GMT", the date format of scheduled maintenance events. */
export function eventTime(ms: number): string {
  const d = new Date(ms);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} GMT`;
}

/** A scenario with numbered phases advanced by timers. */
class Timeline {
  phase = 0;
  readonly phaseStartedAt: number[] = [];
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly ctx: ScenarioContext, delaysSeconds: number[], onPhase?: (phase: number) => void) {
    this.phaseStartedAt[0] = ctx.now();
    delaysSeconds.forEach((delay, i) => {
      const enter = () => {
        this.phase = Math.max(this.phase, i + 1);
        this.phaseStartedAt[i + 1] = ctx.now();
        onPhase?.(i + 1);
        ctx.invalidate();
      };
      if (delay <= 0) enter();
      else {
        const timer = boundedTimeout(enter, delay * 1000);
        timer.unref();
        this.timers.push(timer);
      }
    });
  }

  /** Seconds until the next phase starts, given its delay from the scenario start. */
  secondsUntil(delaySeconds: number): number {
    return Math.max(0, Math.ceil(delaySeconds - (this.ctx.now() - this.phaseStartedAt[0]) / 1000));
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }
}

export function createScenario(name: string, options: object | undefined, ctx: ScenarioContext): ActiveScenario {
  if (!(scenarioNames as readonly string[]).includes(name)) {
    throw new EmulatorSettingError(`Unknown scenario "${name}". Known scenarios: ${scenarioNames.join(', ')}.`);
  }
  const opts = (options ?? {}) as ScenarioOptions;
  for (const key of Object.keys(opts)) {
    if (!optionKeys.has(key)) throw new ScenarioOptionError(key, `Unknown scenario option "${key}" for scenario "${name}". Known options: ${[...optionKeys].join(', ')}.`);
  }
  const scenario = name as ScenarioName;
  const md = (leaves: Map<string, Leaf>, key: string, value: string) => leaves.set('meta-data/' + key, Buffer.from(value));

  switch (scenario) {
    case 'none':
      return { name: scenario, describe: () => 'none', apply: () => undefined, dispose: () => undefined };

    case 'spot-interruption': {
      const delay = seconds(opts, 'delaySeconds', 0);
      const notice = seconds(opts, 'noticeSeconds', 120);
      const fixedTime = timeOption(opts, 'time');
      const action = opts.action ?? 'terminate';
      if (!['terminate', 'stop', 'hibernate'].includes(action)) throw new ScenarioOptionError('action', `Scenario option "action" must be terminate, stop or hibernate (got ${JSON.stringify(action)}).`);
      const timeline = new Timeline(ctx, [delay]);
      return {
        name: scenario,
        describe: () => (timeline.phase === 0 ? `spot-interruption: notice in ${timeline.secondsUntil(delay)} s` : `spot-interruption: ${action} notice posted`),
        apply(leaves) {
          md(leaves, 'instance-life-cycle', 'spot');
          if (timeline.phase < 1) return;
          const time = isoSeconds(fixedTime ?? timeline.phaseStartedAt[1] + notice * 1000);
          md(leaves, 'spot/instance-action', JSON.stringify({ action, time }));
          if (action === 'terminate') md(leaves, 'spot/termination-time', time);
        },
        dispose: () => timeline.dispose(),
      };
    }

    case 'rebalance': {
      const delay = seconds(opts, 'delaySeconds', 0);
      const fixedNotice = timeOption(opts, 'noticeTime');
      const timeline = new Timeline(ctx, [delay]);
      return {
        name: scenario,
        describe: () => (timeline.phase === 0 ? `rebalance: recommendation in ${timeline.secondsUntil(delay)} s` : 'rebalance: recommendation posted'),
        apply(leaves) {
          md(leaves, 'instance-life-cycle', 'spot');
          if (timeline.phase < 1) return;
          md(leaves, 'events/recommendations/rebalance', JSON.stringify({ noticeTime: isoSeconds(fixedNotice ?? timeline.phaseStartedAt[1]) }));
        },
        dispose: () => timeline.dispose(),
      };
    }

    case 'scheduled-events': {
      const delay = seconds(opts, 'delaySeconds', 0);
      const notBefore = seconds(opts, 'notBeforeSeconds', 3 * 24 * 3600);
      const duration = seconds(opts, 'durationSeconds', 2 * 3600);
      const code = opts.code ?? 'system-reboot';
      const state = opts.state ?? 'active';
      if (!['active', 'completed', 'canceled'].includes(state)) throw new ScenarioOptionError('state', `Scenario option "state" must be active, completed or canceled (got ${JSON.stringify(state)}).`);
      const fixedNotBefore = timeOption(opts, 'notBefore');
      const fixedNotAfter = timeOption(opts, 'notAfter');
      const fixedDeadline = timeOption(opts, 'notBeforeDeadline');
      const descriptions: Record<string, string> = {
        'instance-reboot': 'The instance is scheduled for a reboot',
        'system-reboot': 'The instance is scheduled for a system reboot',
        'system-maintenance': 'The instance is scheduled for system maintenance',
        'instance-retirement': 'The instance is scheduled for retirement',
        'instance-stop': 'The instance is scheduled for a stop',
      };
      // Own keys only: `toString` is "in" every object and would serve `"Description" : undefined`.
      if (typeof code !== 'string' || !Object.hasOwn(descriptions, code)) throw new ScenarioOptionError('code', `Scenario option "code" must be one of ${Object.keys(descriptions).join(', ')} (got ${JSON.stringify(code)}).`);
      const eventId = textOption(opts, 'eventId', 'instance-event-0d59937288b749b32');
      const timeline = new Timeline(ctx, [delay]);
      return {
        name: scenario,
        describe: () => (timeline.phase === 0 ? `scheduled-events: ${code} posted in ${timeline.secondsUntil(delay)} s` : `scheduled-events: ${code} ${state}`),
        apply(leaves) {
          if (timeline.phase < 1) return;
          const start = fixedNotBefore ?? timeline.phaseStartedAt[1] + notBefore * 1000;
          const event: Record<string, string> = {
            NotBefore: eventTime(start),
            Code: code,
            Description: descriptions[code],
            EventId: eventId,
            NotAfter: eventTime(fixedNotAfter ?? start + duration * 1000),
            State: state,
          };
          if (fixedDeadline !== undefined) event.NotBeforeDeadline = eventTime(fixedDeadline);
          // Completed and canceled events move to the history list, as on EC2.
          md(leaves, state === 'active' ? 'events/maintenance/scheduled' : 'events/maintenance/history', `[ ${imdsJson(event)} ]`);
        },
        dispose: () => timeline.dispose(),
      };
    }

    case 'asg-lifecycle': {
      const delay = seconds(opts, 'delaySeconds', 0);
      const target = textOption(opts, 'targetState', 'Terminated');
      const timeline = new Timeline(ctx, [delay]);
      return {
        name: scenario,
        describe: () => (timeline.phase === 0 ? `asg-lifecycle: InService, ${target} in ${timeline.secondsUntil(delay)} s` : `asg-lifecycle: ${target}`),
        apply(leaves) {
          md(leaves, 'autoscaling/target-lifecycle-state', timeline.phase < 1 ? 'InService' : target);
        },
        dispose: () => timeline.dispose(),
      };
    }

    case 'iam-role-attach': {
      const infoAfter = seconds(opts, 'infoAfterSeconds', 5);
      const credsAfter = Math.max(infoAfter, seconds(opts, 'credentialsAfterSeconds', 15));
      const timeline = new Timeline(ctx, [infoAfter, credsAfter], (phase) => {
        if (phase === 2) ctx.resetRoleCredentials();
      });
      return {
        name: scenario,
        describe: () =>
          timeline.phase === 0
            ? `iam-role-attach: no role yet (info in ${timeline.secondsUntil(infoAfter)} s)`
            : timeline.phase === 1
              ? `iam-role-attach: role info present, credentials in ${timeline.secondsUntil(credsAfter)} s`
              : 'iam-role-attach: credentials present',
        apply(leaves) {
          if (timeline.phase === 0) {
            deleteSubtree(leaves, 'meta-data/iam');
            return;
          }
          const info = leaves.get('meta-data/iam/info');
          if (info && Buffer.isBuffer(info)) {
            // The profile was associated just now: LastUpdated says so.
            const text = info.toString('utf8').replace(/("LastUpdated" : )"[^"]*"/, `$1"${isoSeconds(timeline.phaseStartedAt[1])}"`);
            leaves.set('meta-data/iam/info', Buffer.from(text));
          }
          if (timeline.phase === 1) deleteSubtree(leaves, 'meta-data/iam/security-credentials');
        },
        dispose: () => timeline.dispose(),
      };
    }
  }
}

export function scenarioInfo(): { name: ScenarioName; description: string }[] {
  return [
    { name: 'none', description: 'A plain on-demand instance with a role attached.' },
    { name: 'spot-interruption', description: 'Spot instance; an interruption notice (instance-action, termination-time) appears after a delay.' },
    { name: 'rebalance', description: 'Spot instance; a rebalance recommendation appears after a delay.' },
    { name: 'scheduled-events', description: 'A scheduled maintenance event (system-reboot by default) appears.' },
    { name: 'asg-lifecycle', description: 'Auto Scaling target-lifecycle-state goes InService → Terminated.' },
    { name: 'iam-role-attach', description: 'No role → role info present → credentials present, over a few seconds.' },
  ];
}

/** Checks a scenario and its options without starting it; throws what createScenario would. */
export function checkScenario(name: string, options: object | undefined): void {
  const inert: ScenarioContext = { now: Date.now, facts: {} as InstanceFacts, invalidate: () => undefined, resetRoleCredentials: () => undefined };
  createScenario(name, options, inert).dispose();
}
