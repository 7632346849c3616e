// The EC2 API side of the doctor: what the instance is configured to do (MetadataOptions, the IAM
// instance profile association, the Region's account defaults) compared with what the probes saw
// IMDS do. Findings whose fix is an EC2 API call carry it (`fix`), for the extension's Apply….
// Plain data in, checks out: the settings are read elsewhere (src/aws/ec2, a lazy bundle).

import type { AccountChange } from '../../aws/ec2/change';
import { instanceLabel, isUnavailable, platformText, type IamAssociation, type InstanceSettings, type InstanceSummary, type MetadataOptions, type Unavailable } from '../../aws/ec2/types';
import { RESTART_SSM_AGENT, WHICH_CREDENTIALS, type Fixes } from '../fixes';
import { formatDuration, formatRelative } from '../format';
import type { CheckId, DoctorCheck } from '../types';

/** What the doctor saw IMDS do, from probes (http) or a recorded snapshot. Unknown stays undefined. */
export interface ObservedImds {
  via: 'probe' | 'snapshot';
  /** A GET without a token answered 200. */
  v1Works?: boolean;
  /** This process got a token and read with it. */
  v2Works?: boolean;
  /** IMDS answered 403 (turned off). */
  disabled?: boolean;
  /** The token PUT timed out while tokenless GETs answered: one hop too many. */
  hopLimitTooLow?: boolean;
}

export interface Ec2CheckInput {
  settings?: InstanceSettings;
  /** Why the EC2 API could not be asked at all (no credentials, no instance id …). */
  notAsked?: string;
  observed: ObservedImds;
  /** LastUpdated of the credentials IMDS serves, when read. */
  credentialsLastUpdated?: string;
  rolePresent?: boolean;
  fixes: Fixes;
  now: number;
}

export const EC2_TITLES: [CheckId, string][] = [
  ['ec2-settings', 'Instance settings (EC2 API)'],
  ['ec2-tokens', 'HttpTokens: configured vs seen'],
  ['ec2-hop-limit', 'Hop limit: configured vs seen'],
  ['ec2-role-association', 'IAM role association (EC2 API)'],
  ['ec2-account-defaults', 'Account default for new instances (EC2 API)'],
];
const TITLE = Object.fromEntries(EC2_TITLES) as Record<CheckId, string>;

/** Programs that cache instance-role credentials (or the lack of them) until restarted. */
const CACHING_PROGRAMS = 'the SSM agent (amazon-ssm-agent), the CloudWatch agent, the ECS agent and the containers it started, and long-running applications that built their AWS SDK client at start-up';

function skip(id: CheckId, summary: string, advice: string[] = []): DoctorCheck {
  return { id, title: TITLE[id], status: 'skip', summary, evidence: [], advice };
}

function unavailableSkip(id: CheckId, part: Unavailable): DoctorCheck {
  const { message, remedy, permission } = part.unavailable;
  return { ...skip(id, permission ? `Skipped: no ${permission} permission. ${message}` : `Skipped: ${message}`, [remedy]), evidence: permission ? [`missing IAM permission: ${permission}`] : [] };
}

function optionsLine(o: MetadataOptions): string {
  return `HttpTokens ${o.httpTokens}, HttpPutResponseHopLimit ${o.httpPutResponseHopLimit}, HttpEndpoint ${o.httpEndpoint}, HttpProtocolIpv6 ${o.httpProtocolIpv6}, InstanceMetadataTags ${o.instanceMetadataTags} (State ${o.state})`;
}

function instanceFix(settings: InstanceSettings, instance: InstanceSummary, after: AccountChange['after']): AccountChange {
  const o = instance.metadataOptions!;
  const before: Record<string, unknown> = {};
  for (const key of Object.keys(after)) before[key] = (o as unknown as Record<string, unknown>)[key];
  return { kind: 'instance-options', instanceId: instance.instanceId, ...(instance.name ? { name: instance.name } : {}), region: settings.region, ...(settings.profile ? { profile: settings.profile } : {}), before, after } as AccountChange;
}

export function runEc2Checks(input: Ec2CheckInput): DoctorCheck[] {
  const { settings, observed, now } = input;
  if (!settings) return EC2_TITLES.map(([id]) => skip(id, `Skipped: ${input.notAsked ?? 'the EC2 API was not asked.'}`));
  const checks: DoctorCheck[] = [];
  const instance = isUnavailable(settings.instance) ? undefined : settings.instance;
  const options = instance?.metadataOptions;
  const where = `${settings.region}${settings.profile ? `, profile ${settings.profile}` : ''}`;

  // What EC2 says, and whether it is settled.
  if (!instance || !options) {
    const part = isUnavailable(settings.instance) ? settings.instance : { unavailable: { code: 'NoOptions', message: 'DescribeInstances returned no MetadataOptions.', remedy: 'Look again in a minute.' } };
    for (const id of ['ec2-settings', 'ec2-tokens', 'ec2-hop-limit'] as CheckId[]) checks.push(unavailableSkip(id, part));
  } else {
    const evidence = [`${instanceLabel(instance)} in ${where}: ${instance.state}, ${instance.instanceType}, ${platformText(instance)}`, `MetadataOptions: ${optionsLine(options)}`];
    const endpointMismatch = (options.httpEndpoint === 'enabled' && observed.disabled === true) || (options.httpEndpoint === 'disabled' && observed.disabled === false && (observed.v1Works || observed.v2Works));
    if (options.state === 'pending') {
      checks.push({ id: 'ec2-settings', title: TITLE['ec2-settings'], status: 'warn', summary: 'A change to the metadata options is still being applied (State pending): what IMDS does may not match them yet.', evidence, advice: ['Wait until State is applied (usually seconds), then run the doctor again.'] });
    } else if (endpointMismatch) {
      checks.push({ id: 'ec2-settings', title: TITLE['ec2-settings'], status: 'warn', summary: `EC2 says HttpEndpoint ${options.httpEndpoint}, but IMDS ${observed.disabled ? 'answered 403 (off)' : 'answered'}: the doctor may be looking at another instance than ${instance.instanceId}.`, evidence, advice: ['Check that the instance id (and Region) is the one whose IMDS was probed.'] });
    } else {
      checks.push({ id: 'ec2-settings', title: TITLE['ec2-settings'], status: 'pass', summary: `EC2 API: ${optionsLine(options)}.`, evidence, advice: [] });
    }

    // HttpTokens: is it safe to require them?
    const tokenEvidence = [`configured: HttpTokens ${options.httpTokens}`];
    if (observed.v2Works !== undefined) tokenEvidence.push(`seen: this ${observed.via === 'probe' ? 'process' : 'snapshot\'s script'} ${observed.v2Works ? 'read with an IMDSv2 token' : 'could not read with a token'}`);
    if (observed.v1Works !== undefined) tokenEvidence.push(`seen: a GET without a token ${observed.v1Works ? 'answered 200' : 'was refused'}`);
    if (options.httpTokens === 'required') {
      checks.push(observed.v1Works
        ? { id: 'ec2-tokens', title: TITLE['ec2-tokens'], status: 'warn', summary: 'EC2 says tokens are required, yet a GET without a token answered 200.', evidence: tokenEvidence, advice: [options.state === 'pending' ? 'The change is still being applied: wait and run again.' : 'The doctor may be looking at another instance: check the id and Region.'] }
        : { id: 'ec2-tokens', title: TITLE['ec2-tokens'], status: 'pass', summary: 'IMDSv2 is required, as configured.', evidence: tokenEvidence, advice: [] });
    } else if (observed.v2Works) {
      checks.push({
        id: 'ec2-tokens', title: TITLE['ec2-tokens'], status: 'warn',
        summary: 'IMDSv1 is allowed (HttpTokens optional). This reader uses tokens, so it keeps working when tokens are required.',
        evidence: tokenEvidence,
        advice: [
          'What is known: the reader the doctor used works with IMDSv2.',
          'What is not known from here: whether other programs on the instance (old SDKs, curl in scripts, agents) still read without a token. The CloudWatch metric MetadataNoToken for this instance counts those calls; zero over a representative period is evidence, not proof.',
          'Requiring tokens closes the SSRF path to the role credentials. It can be undone at once (HttpTokens optional).',
        ],
        commands: [input.fixes.requireTokens],
        fix: instanceFix(settings, instance, { httpTokens: 'required' }),
      });
    } else if (observed.v1Works) {
      checks.push({ id: 'ec2-tokens', title: TITLE['ec2-tokens'], status: 'warn', summary: 'IMDSv1 is allowed and this reader could not get a token: requiring tokens now would break it.', evidence: tokenEvidence, advice: ['Fix the token problem first (see the hop limit), then require tokens.'] });
    } else {
      checks.push({ id: 'ec2-tokens', title: TITLE['ec2-tokens'], status: 'info', summary: `HttpTokens ${options.httpTokens}; how programs read could not be seen from here.`, evidence: tokenEvidence, advice: [] });
    }

    // Hop limit: a token PUT that never comes back.
    const hop = options.httpPutResponseHopLimit;
    const hopEvidence = [`configured: HttpPutResponseHopLimit ${hop}`];
    if (observed.hopLimitTooLow !== undefined) hopEvidence.push(observed.hopLimitTooLow ? 'seen: the token PUT timed out while a GET without a token answered' : 'seen: the token PUT was answered');
    if (observed.hopLimitTooLow) {
      checks.push({
        id: 'ec2-hop-limit', title: TITLE['ec2-hop-limit'], status: 'fail',
        summary: hop <= 1
          ? 'Hop limit 1 and the token PUT times out: this reader is one hop further away (a container), and the fix is hop limit 2.'
          : `Hop limit ${hop}, yet the token PUT times out: the reader is more hops away (nested containers or VMs)${options.state === 'pending' ? ', or the change is still pending' : ''}.`,
        evidence: hopEvidence,
        advice: hop <= 1
          ? ['Raise the hop limit to 2 (AWS recommends 2 for containers); no restart is needed. Or run the container with host networking.']
          : [`Raise the hop limit to ${hop + 1} if the reader really is that far, or run it with host networking.`],
        commands: [input.fixes.raiseHopLimit],
        fix: instanceFix(settings, instance, { httpPutResponseHopLimit: Math.min(64, Math.max(2, hop + 1)) }),
        snippets: ['bash-imdsv2-container'],
      });
    } else {
      checks.push({ id: 'ec2-hop-limit', title: TITLE['ec2-hop-limit'], status: observed.hopLimitTooLow === false ? 'pass' : 'info', summary: `Hop limit ${hop}${observed.hopLimitTooLow === false ? ': enough for where this reader runs' : ''}.`, evidence: hopEvidence, advice: hop <= 1 ? ['Containers on this instance (bridge networking) need hop limit 2 to get tokens.'] : [] });
    }
  }

  checks.push(associationCheck(settings, input, now));
  checks.push(defaultsCheck(settings, instance));
  return checks;
}

function associationCheck(settings: InstanceSettings, input: Ec2CheckInput, now: number): DoctorCheck {
  const id: CheckId = 'ec2-role-association';
  if (isUnavailable(settings.associations)) return unavailableSkip(id, settings.associations);
  const latest: IamAssociation | undefined = settings.associations[0];
  if (!latest) {
    return input.rolePresent
      ? { id, title: TITLE[id], status: 'warn', summary: 'IMDS serves a role, but EC2 lists no association for this instance.', evidence: ['DescribeIamInstanceProfileAssociations: none'], advice: ['The doctor may be looking at another instance: check the instance id and Region.'] }
      : { id, title: TITLE[id], status: 'info', summary: 'No IAM instance profile is associated: programs on the instance get no role credentials from IMDS.', evidence: ['DescribeIamInstanceProfileAssociations: none'], advice: ['Associate an instance profile if programs need AWS access.'], commands: [input.fixes.associateProfile] };
  }
  const evidence = [`${latest.associationId}: ${latest.state} ${latest.instanceProfileArn}${latest.timestamp ? ` since ${formatRelative(latest.timestamp, now)}` : ''}`];
  if (input.credentialsLastUpdated) evidence.push(`IMDS credentials LastUpdated ${formatRelative(input.credentialsLastUpdated, now)}`);
  const restart = [
    `Restart the programs that cached credentials (or their absence) before the association: ${CACHING_PROGRAMS}. For the SSM agent: ${RESTART_SSM_AGENT}.`,
    'Restarting other services does not help: IMDS is served by the EC2 host, not by a process on the instance, and it already serves what EC2 shows here.',
  ];
  if (latest.state === 'associating') {
    return { id, title: TITLE[id], status: 'warn', summary: 'The role is being attached (association state associating): IMDS serves iam/info first and the credentials seconds later.', evidence, advice: ['Wait until the association is associated and the credentials are served (run the doctor again).', ...restart], commands: [...WHICH_CREDENTIALS, RESTART_SSM_AGENT] };
  }
  if (latest.state !== 'associated') {
    return { id, title: TITLE[id], status: 'warn', summary: `The instance profile association is ${latest.state}: the role is being removed or is gone.`, evidence, advice: ['Associate an instance profile again if programs need AWS access.'], commands: [input.fixes.associateProfile] };
  }
  const associatedAt = latest.timestamp ? Date.parse(latest.timestamp) : NaN;
  const issued = input.credentialsLastUpdated ? Date.parse(input.credentialsLastUpdated) : NaN;
  if (!Number.isNaN(associatedAt) && !Number.isNaN(issued) && issued < associatedAt) {
    return { id, title: TITLE[id], status: 'warn', summary: 'IMDS serves credentials issued before the current association: the new role\'s credentials are not out yet.', evidence, advice: ['Wait a minute and run the doctor again; the credentials come from the new role once issued.', ...restart] };
  }
  const recent = !Number.isNaN(associatedAt) && now - associatedAt < 60 * 60 * 1000;
  return {
    id, title: TITLE[id], status: recent ? 'info' : 'pass',
    summary: recent
      ? `The role was attached ${formatDuration(now - associatedAt)} ago and is associated; programs started before then may still hold cached credentials, or none.`
      : 'The instance profile is associated.',
    evidence,
    advice: recent ? restart : [],
    ...(recent ? { commands: [...WHICH_CREDENTIALS, RESTART_SSM_AGENT] } : {}),
  };
}

function defaultsCheck(settings: InstanceSettings, instance: InstanceSummary | undefined): DoctorCheck {
  const id: CheckId = 'ec2-account-defaults';
  if (isUnavailable(settings.defaults)) return unavailableSkip(id, settings.defaults);
  const d = settings.defaults;
  const evidence = [`account defaults in ${settings.region}: HttpTokens ${d.httpTokens ?? 'no preference'}, HttpPutResponseHopLimit ${d.httpPutResponseHopLimit ?? 'no preference'}${d.managedBy ? `, managed by ${d.managedBy}` : ''}`];
  const tokens = instance?.metadataOptions?.httpTokens;
  if (d.httpTokens === 'required' && tokens === 'optional' && instance) {
    return {
      id, title: TITLE[id], status: 'warn',
      summary: 'The Region\'s default requires tokens, but this instance allows IMDSv1: it was launched before the default was set, or its launch (or a later change) set optional for this instance.',
      evidence: [...evidence, `instance: HttpTokens optional${instance.launchTime ? `, launched ${instance.launchTime}` : ''}`],
      advice: ['Defaults apply at launch only: change this instance to match (see HttpTokens above).'],
      fix: instanceFix(settings, instance, { httpTokens: 'required' }),
    };
  }
  if (d.httpTokens !== 'required') {
    return {
      id, title: TITLE[id], status: 'info',
      summary: `New instances in ${settings.region} allow IMDSv1 unless their launch says otherwise (account default: ${d.httpTokens ?? 'no preference'}).`,
      evidence,
      advice: d.managedBy ? [`The defaults are managed by ${d.managedBy}: change them there.`] : ['Setting the account default to required makes new launches IMDSv2-only; running instances are not changed.'],
      ...(d.managedBy ? {} : { fix: { kind: 'account-defaults', region: settings.region, ...(settings.profile ? { profile: settings.profile } : {}), before: { httpTokens: d.httpTokens }, after: { httpTokens: 'required' } } as AccountChange }),
    };
  }
  return { id, title: TITLE[id], status: 'pass', summary: `New instances in ${settings.region} require IMDSv2 by default.`, evidence, advice: [] };
}
