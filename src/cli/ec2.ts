// `imds ec2 describe|set` and the EC2 options of `imds doctor --instance ID`: the EC2 API from a
// terminal. The EC2 client loads with import() (a lazy module, dist/lazy/ec2-client.mjs), so other
// commands never parse it. `set` goes through the one change path (src/aws/ec2/change.ts): DryRun,
// then a confirmation (a prompt, or --yes), then the change and the wait until it is applied.

import type { Ec2Options } from '../aws/ec2/api';
import type { AccountChange } from '../aws/ec2/change';
import { instanceLabel, isUnavailable, platformText, type InstanceSettings, type MetadataOptionsChange } from '../aws/ec2/types';
import type { Ec2Access } from '../doctor/run';
import { takeFlag, takeValue, type ExtraOptions } from './options';

export const EC2_USAGE = `EC2 API (the instance's configured IMDS settings; IAM permissions in the README):
  ec2 describe --instance ID [--json]
                         MetadataOptions (and State), IAM role association, Region defaults
  ec2 set --instance ID [--http-tokens optional|required] [--hop-limit 1..64]
          [--http-endpoint enabled|disabled] [--instance-metadata-tags enabled|disabled]
          [--http-protocol-ipv6 enabled|disabled] [--dry-run] [--yes] [--wait SECONDS]
                         DryRun first; then asks before changing (--yes: no question) and
                         waits until EC2 says applied (default 120 s); prints the undo command
  --profile NAME, --region REGION   as for SSM; --ec2-endpoint URL: VPC or test endpoint
  doctor --instance ID   the doctor also compares the instance's EC2 settings with what it sees`;

export interface Ec2Io {
  stdout: (data: string) => void;
  stderr: (line: string) => void;
  /** Asks yes/no on a terminal; absent when there is none (then --yes is needed). */
  confirm?: (question: string) => Promise<boolean>;
}

type Extra = ExtraOptions;

function instanceIdOf(extra: Extra, consume = true): string {
  const id = takeValue(extra, 'instance', consume);
  if (id === undefined) throw new Error('Name the instance: --instance i-0123456789abcdef0.');
  if (!/^i-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) throw new Error(`"${id}" is not an instance id (i- and 8 or 17 hex digits).`);
  return id;
}

/** --profile, --region, --ec2-endpoint. With --ssm they also serve SSM, so they stay for it. */
export function ec2ConnectionFromArgs(extra: Extra): Ec2Options {
  const shared = !extra.has('ssm');
  const profile = takeValue(extra, 'profile', shared);
  const region = takeValue(extra, 'region', shared);
  const endpoint = takeValue(extra, 'ec2-endpoint');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) throw new Error(`--ec2-endpoint must be an http(s) URL (got "${endpoint}").`);
  return { ...(profile ? { profile } : {}), ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) };
}

/** The doctor's EC2 access for `imds doctor --instance ID` (undefined without --instance). */
export function doctorEc2FromArgs(extra: Extra): Ec2Access | undefined {
  if (!extra.has('instance')) return undefined;
  const instanceId = instanceIdOf(extra);
  const connection = ec2ConnectionFromArgs(extra);
  return {
    instanceId,
    read: async (id) => {
      const ec2 = await import('../aws/ec2/index');
      const api = await ec2.Ec2Api.connect(connection);
      try {
        return await ec2.readInstanceSettings(api, id);
      } finally {
        api.close();
      }
    },
  };
}

function settingsText(s: InstanceSettings): string {
  const lines: string[] = [];
  if (isUnavailable(s.instance)) lines.push(`instance ${s.instanceId}: ${s.instance.unavailable.message} ${s.instance.unavailable.remedy}`);
  else {
    const i = s.instance;
    lines.push(`${instanceLabel(i)}  ${s.region}  ${i.state}  ${i.instanceType}  ${platformText(i)}${i.launchTime ? `  launched ${i.launchTime}` : ''}`);
    const o = i.metadataOptions;
    if (o) {
      lines.push('MetadataOptions');
      for (const [name, v] of [['HttpTokens', o.httpTokens], ['HttpPutResponseHopLimit', o.httpPutResponseHopLimit], ['HttpEndpoint', o.httpEndpoint], ['HttpProtocolIpv6', o.httpProtocolIpv6], ['InstanceMetadataTags', o.instanceMetadataTags], ['State', o.state]] as const) {
        lines.push(`  ${name.padEnd(24)} ${v}`);
      }
    }
  }
  if (isUnavailable(s.associations)) lines.push(`IAM role association: ${s.associations.unavailable.message}`);
  else if (s.associations.length === 0) lines.push('IAM role association: none');
  else for (const a of s.associations) lines.push(`IAM role association: ${a.state} ${a.instanceProfileArn}${a.timestamp ? ` since ${a.timestamp}` : ''} (${a.associationId})`);
  if (isUnavailable(s.defaults)) lines.push(`Account defaults: ${s.defaults.unavailable.message}`);
  else {
    const d = s.defaults;
    lines.push(`Account defaults (${s.region}): HttpTokens ${d.httpTokens ?? 'no preference'}, HttpPutResponseHopLimit ${d.httpPutResponseHopLimit ?? 'no preference'}, HttpEndpoint ${d.httpEndpoint ?? 'no preference'}, InstanceMetadataTags ${d.instanceMetadataTags ?? 'no preference'}`);
  }
  return lines.join('\n') + '\n';
}

function changeFromArgs(extra: Extra): MetadataOptionsChange {
  const change: MetadataOptionsChange = {};
  const pick = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const v = takeValue(extra, name);
    if (v !== undefined && !(allowed as readonly string[]).includes(v)) throw new Error(`--${name} must be ${allowed.join(' or ')} (got "${v}").`);
    return v as T | undefined;
  };
  const tokens = pick('http-tokens', ['optional', 'required'] as const);
  if (tokens) change.httpTokens = tokens;
  const hop = takeValue(extra, 'hop-limit');
  if (hop !== undefined) {
    const n = Number(hop);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`--hop-limit must be a whole number from 1 to 64 (got "${hop}").`);
    change.httpPutResponseHopLimit = n;
  }
  const endpoint = pick('http-endpoint', ['enabled', 'disabled'] as const);
  if (endpoint) change.httpEndpoint = endpoint;
  const tags = pick('instance-metadata-tags', ['enabled', 'disabled'] as const);
  if (tags) change.instanceMetadataTags = tags;
  const ipv6 = pick('http-protocol-ipv6', ['enabled', 'disabled'] as const);
  if (ipv6) change.httpProtocolIpv6 = ipv6;
  return change;
}

const CLI_OPTION: Record<string, string> = { httpTokens: '--http-tokens', httpPutResponseHopLimit: '--hop-limit', httpEndpoint: '--http-endpoint', instanceMetadataTags: '--instance-metadata-tags', httpProtocolIpv6: '--http-protocol-ipv6' };

function commandFor(change: AccountChange, options: Ec2Options): string {
  if (change.kind !== 'instance-options') return '';
  const parts = ['imds ec2 set --instance', change.instanceId, ...Object.entries(change.after).flatMap(([k, v]) => [CLI_OPTION[k], String(v)])];
  if (options.profile) parts.push('--profile', options.profile);
  if (options.region) parts.push('--region', options.region);
  if (options.endpoint) parts.push('--ec2-endpoint', options.endpoint);
  return parts.join(' ');
}

/** `imds ec2 …`; resolves to the exit status (0 ok, 1 refused or declined). */
export async function ec2Command(positionals: string[], extra: Extra, json: boolean, io: Ec2Io): Promise<number> {
  const [sub, ...rest] = positionals;
  if (rest.length) throw new Error(`ec2 ${sub} takes no arguments (got "${rest[0]}").`);
  if (sub !== 'describe' && sub !== 'set') throw new Error(sub ? `Unknown ec2 command "${sub}": describe or set.` : 'Give an ec2 command: describe or set. See imds --help.');
  const instanceId = instanceIdOf(extra);
  const connection = ec2ConnectionFromArgs(extra);
  const dryRun = sub === 'set' && takeFlag(extra, 'dry-run');
  const yes = sub === 'set' && takeFlag(extra, 'yes');
  const waitText = sub === 'set' ? takeValue(extra, 'wait') : undefined;
  const waitSeconds = waitText === undefined ? 120 : Number(waitText);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 1 || waitSeconds > 3600) throw new Error(`--wait must be whole seconds from 1 to 3600 (got "${waitText}").`);
  const change = sub === 'set' ? changeFromArgs(extra) : {};
  const [unknown] = extra.keys();
  if (unknown !== undefined) throw new Error(`Unknown option --${unknown} for imds ec2 ${sub}. See imds --help.`);
  if (sub === 'set' && Object.keys(change).length === 0) throw new Error('Say what to change, e.g. --http-tokens required or --hop-limit 2.');

  const ec2 = await import('../aws/ec2/index');
  const api = await ec2.Ec2Api.connect(connection);
  try {
    if (sub === 'describe') {
      const settings = await ec2.readInstanceSettings(api, instanceId);
      if (isUnavailable(settings.instance) && settings.instance.unavailable.code !== 'Unauthorized') {
        throw new ec2.Ec2Error(settings.instance.unavailable.code as never, settings.instance.unavailable.message, settings.instance.unavailable.remedy);
      }
      io.stdout(json ? `${JSON.stringify(settings, null, 2)}\n` : settingsText(settings));
      return 0;
    }
    const instance = await api.describeInstance(instanceId);
    const current = instance.metadataOptions;
    const before: Record<string, unknown> = {};
    for (const key of Object.keys(change)) before[key] = current ? (current as unknown as Record<string, unknown>)[key] : undefined;
    const planned = { kind: 'instance-options', instanceId, ...(instance.name ? { name: instance.name } : {}), region: api.region, ...(api.profile ? { profile: api.profile } : {}), before, after: change } as AccountChange;
    io.stderr(ec2.describeChange(planned));
    if (dryRun) {
      const result = await api.dryRunModifyOptions(instanceId, change);
      if (result.ok) io.stdout('DryRun: the change would succeed (nothing was changed).\n');
      else io.stdout(`DryRun: the change would fail: ${result.error.toLine()}\n`);
      return result.ok ? 0 : 1;
    }
    const outcome = await ec2.applyChange(api, planned, {
      confirm: async () => {
        if (yes) return true;
        if (!io.confirm) throw new Error('The DryRun passed. Nothing changed: add --yes to make the change (there is no terminal to ask).');
        return io.confirm('DryRun passed. Make this change?');
      },
      onProgress: (step, detail) => {
        if (step === 'wait') io.stderr(`ec2: ${detail}`);
        if (step === 'dry-run') io.stderr(`ec2: ${detail}`);
      },
      waitTimeoutMs: waitSeconds * 1000,
      pollMs: 2000,
    });
    if (outcome.status === 'refused') throw outcome.error;
    if (outcome.status === 'declined') {
      io.stdout('Not changed.\n');
      return 1;
    }
    const record = outcome.record;
    if (json) io.stdout(`${JSON.stringify(record, null, 2)}\n`);
    else io.stdout(`${record.state === 'applied' ? 'Applied' : 'Made (still pending)'}: ${ec2.changeLines(record.change).join('; ')}${outcome.note ? `\n${outcome.note}` : ''}\nUndo: ${commandFor(ec2.undoOf(record), connection)}\n`);
    return 0;
  } finally {
    api.close();
  }
}
