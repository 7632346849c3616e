// The IAM role checks: is an instance profile attached (iam/info), are its credentials served
// (iam/security-credentials/ROLE: Code, LastUpdated, Expiration), and the true story of why a
// just-attached role can seem not to work. Only non-secret fields are ever put in evidence.

import { RESTART_SSM_AGENT, RESTART_SSM_AGENT_SNAP, WHICH_CREDENTIALS, type Fixes } from '../fixes';
import { formatDuration, formatRelative, keyTail, parseObject, stringField } from '../format';
import type { TreeReader } from '../reader';
import type { DoctorCheck } from '../types';

const INFO = '/latest/meta-data/iam/info';
const CREDENTIALS_DIR = '/latest/meta-data/iam/security-credentials/';
/** IMDS makes new credentials available at least 5 minutes before the old ones expire. */
const ROTATION_MARGIN_MS = 5 * 60 * 1000;
/** Credentials issued within this long count as "just issued" (a role attached or changed recently). */
const RECENT_MS = 15 * 60 * 1000;

export interface IamResult {
  checks: DoctorCheck[];
  rolePresent: boolean;
  roleName?: string;
  /** Last four characters of the served AccessKeyId, to compare with `aws configure list`. */
  accessKeyTail?: string;
  /** LastUpdated of the served credentials (the EC2 checks compare it with the association time). */
  credentialsLastUpdated?: string;
}

export interface IamInput {
  reader?: TreeReader;
  /** Why nothing can be read, when reader is undefined. */
  blockedReason?: string;
  fixes: Fixes;
  now: number;
}

const TITLES = {
  role: 'IAM role attached (iam/info)',
  credentials: 'Role credentials served (iam/security-credentials/)',
  cached: 'Why a just-attached role can seem not to work',
} as const;

export async function runIamChecks(input: IamInput): Promise<IamResult> {
  const { reader, fixes, now } = input;
  if (!reader) {
    const summary = input.blockedReason ?? 'Nothing could be read.';
    return {
      rolePresent: false,
      checks: [
        { id: 'iam-role', title: TITLES.role, status: 'skip', summary, evidence: [], advice: [] },
        { id: 'iam-credentials', title: TITLES.credentials, status: 'skip', summary, evidence: [], advice: [] },
        { id: 'iam-cached-credentials', title: TITLES.cached, status: 'skip', summary, evidence: [], advice: [] },
      ],
    };
  }

  const info = await reader.read(INFO);
  const infoDoc = info.status === 200 ? parseObject(info.body) : undefined;
  const profileArn = stringField(infoDoc, 'InstanceProfileArn');
  const infoUpdated = stringField(infoDoc, 'LastUpdated');
  const infoEvidence = [info.line];
  if (infoDoc) {
    const code = stringField(infoDoc, 'Code');
    if (code) infoEvidence.push(`Code ${code}`);
    if (profileArn) infoEvidence.push(`InstanceProfileArn ${profileArn}`);
    if (infoUpdated) infoEvidence.push(`LastUpdated ${formatRelative(infoUpdated, now)}`);
  }
  const profileName = profileArn?.split('/').pop();

  const checks: DoctorCheck[] = [];
  if (info.status === 404) {
    checks.push({
      id: 'iam-role', title: TITLES.role, status: 'info',
      summary: 'No IAM role is attached to this instance (iam/info answers 404).',
      evidence: infoEvidence,
      advice: [
        'Programs here get no instance-role credentials. If they need AWS access, attach an instance profile (from a machine with EC2 API access; no restart needed).',
        'If you attached one moments ago, it shows up here within seconds: run the doctor again.',
      ],
      commands: [fixes.associateProfile],
    });
    const skip = 'No role is attached.';
    checks.push({ id: 'iam-credentials', title: TITLES.credentials, status: 'skip', summary: skip, evidence: [], advice: [] });
    checks.push({ id: 'iam-cached-credentials', title: TITLES.cached, status: 'skip', summary: skip, evidence: [], advice: [] });
    return { checks, rolePresent: false };
  }
  if (info.status !== 200) {
    const summary = `Could not read iam/info: ${info.line}.`;
    checks.push({ id: 'iam-role', title: TITLES.role, status: 'warn', summary, evidence: infoEvidence, advice: ['Run the doctor again; see the checks above for why reads fail.'] });
    checks.push({ id: 'iam-credentials', title: TITLES.credentials, status: 'skip', summary: 'iam/info could not be read.', evidence: [], advice: [] });
    checks.push({ id: 'iam-cached-credentials', title: TITLES.cached, status: 'skip', summary: 'iam/info could not be read.', evidence: [], advice: [] });
    return { checks, rolePresent: false };
  }
  const infoCode = stringField(infoDoc, 'Code');
  checks.push({
    id: 'iam-role', title: TITLES.role,
    status: infoCode === undefined || infoCode === 'Success' ? 'pass' : 'warn',
    summary: profileArn ? `An instance profile is attached: ${profileArn}.` : 'An instance profile is attached (iam/info answers 200).',
    evidence: infoEvidence,
    advice: infoCode !== undefined && infoCode !== 'Success' ? [`iam/info reports Code ${infoCode}: check the instance profile and its role in IAM.`] : [],
  });

  // Credentials.
  const listing = await reader.read(CREDENTIALS_DIR);
  const roles = listing.status === 200 && listing.body ? listing.body.toString('utf8').split('\n').map((line) => line.trim().replace(/\/$/, '')).filter(Boolean) : [];
  const credEvidence = [listing.line];
  const inspectProfile = profileName ? [`aws iam get-instance-profile --instance-profile-name ${profileName}`] : [];
  if (roles.length === 0) {
    const notYet: DoctorCheck = {
      id: 'iam-credentials', title: TITLES.credentials,
      status: 'warn',
      summary: listing.status === 404 || listing.status === 200
        ? 'Role attached but credentials not yet there: iam/info is present, iam/security-credentials/ lists no role.'
        : `Could not list the role credentials: ${listing.line}.`,
      evidence: [...credEvidence, ...(infoUpdated ? [`iam/info LastUpdated ${formatRelative(infoUpdated, now)}`] : [])],
      advice: [
        'Right after a profile is associated, IMDS shows iam/info first and serves the credentials a few seconds later: wait a little and run the doctor again.',
        'If they still do not appear after a minute or two, check that the profile contains a role and that the role\'s trust policy lets ec2.amazonaws.com assume it (sts:AssumeRole).',
      ],
      commands: inspectProfile.length ? inspectProfile : undefined,
    };
    checks.push(notYet);
    checks.push({
      id: 'iam-cached-credentials', title: TITLES.cached, status: 'info',
      summary: 'Credentials are not served yet, so no program can have them: wait for them first.',
      evidence: [], advice: ['Once they appear, programs that started before may still hold what they had: run the doctor again then.'],
    });
    return { checks, rolePresent: true };
  }

  const roleName = roles[0];
  if (roles.length > 1) credEvidence.push(`${roles.length} roles listed (${roles.join(', ')}); an instance profile holds one role, so this is unusual`);
  const doc = await reader.read(`${CREDENTIALS_DIR}${roleName}`);
  credEvidence.push(doc.line);
  const creds = doc.status === 200 ? parseObject(doc.body) : undefined;
  const result: IamResult = { checks, rolePresent: true, roleName };
  if (!creds) {
    checks.push({
      id: 'iam-credentials', title: TITLES.credentials, status: 'warn',
      summary: doc.status === 200 ? `The credentials of role ${roleName} are not readable JSON.` : `Role ${roleName} is listed but its credentials answered ${doc.status || 'nothing'}.`,
      evidence: credEvidence,
      advice: ['Right after a role is attached this can last a few seconds: run the doctor again.'],
    });
    checks.push(cachedExplanation(undefined, infoUpdated, undefined, now));
    return result;
  }
  const code = stringField(creds, 'Code');
  const lastUpdated = stringField(creds, 'LastUpdated');
  const expiration = stringField(creds, 'Expiration');
  const type = stringField(creds, 'Type');
  const accessKeyId = stringField(creds, 'AccessKeyId');
  credEvidence.push(`role ${roleName}`);
  if (code) credEvidence.push(`Code ${code}`);
  if (type) credEvidence.push(`Type ${type}`);
  if (accessKeyId) {
    result.accessKeyTail = accessKeyId.slice(-4);
    credEvidence.push(`AccessKeyId ${keyTail(accessKeyId)} (compare with the access_key line of aws configure list)`);
  }
  if (lastUpdated) {
    result.credentialsLastUpdated = lastUpdated;
    credEvidence.push(`LastUpdated ${formatRelative(lastUpdated, now)}`);
  }
  if (expiration) credEvidence.push(`Expiration ${formatRelative(expiration, now)}`);

  const expiresAt = expiration ? Date.parse(expiration) : NaN;
  const left = expiresAt - now;
  let check: DoctorCheck;
  if (code !== undefined && code !== 'Success') {
    check = {
      id: 'iam-credentials', title: TITLES.credentials, status: 'fail',
      summary: `IMDS could not get credentials for role ${roleName}: Code ${code}.`,
      evidence: credEvidence,
      advice: [
        'The role could not be assumed for this instance: check that the role\'s trust policy lets ec2.amazonaws.com assume it, and that the role and instance profile still exist.',
      ],
      commands: inspectProfile.length ? inspectProfile : undefined,
    };
  } else if (Number.isNaN(expiresAt)) {
    check = { id: 'iam-credentials', title: TITLES.credentials, status: 'warn', summary: `Credentials for role ${roleName} carry no readable Expiration.`, evidence: credEvidence, advice: ['Something other than IMDS may be answering here.'] };
  } else if (left <= 0) {
    check = {
      id: 'iam-credentials', title: TITLES.credentials, status: 'fail',
      summary: `The credentials served for role ${roleName} expired ${formatDuration(left)} ago.`,
      evidence: credEvidence,
      advice: ['IMDS serves fresh credentials well before the old ones expire; expired ones mean something serves a stale copy (a caching proxy, a snapshot, a frozen clock?). Check the clock (timedatectl) and the endpoint.'],
      commands: ['timedatectl'],
    };
  } else if (left < ROTATION_MARGIN_MS) {
    check = {
      id: 'iam-credentials', title: TITLES.credentials, status: 'warn',
      summary: `Credentials for role ${roleName} expire in ${formatDuration(left)}, yet IMDS has not rotated them.`,
      evidence: credEvidence,
      advice: ['IMDS makes new credentials available at least 5 minutes before expiry; run the doctor again in a minute, and check the clock (timedatectl).'],
    };
  } else {
    check = {
      id: 'iam-credentials', title: TITLES.credentials, status: 'pass',
      summary: `Credentials for role ${roleName} are served: Code ${code ?? '(none)'}, valid for ${formatDuration(left)} more.`,
      evidence: credEvidence, advice: [],
    };
  }
  checks.push(check);
  checks.push(cachedExplanation(lastUpdated, infoUpdated, accessKeyId, now));
  return result;
}

/**
 * What is true when a just-attached role "does not take effect": IMDS already serves it (the
 * evidence shows when); programs that cached credentials, or found none at start-up, have not
 * looked again. IMDS is no process on the instance, so no service restart there changes what it
 * serves; restarting the program that caches does.
 */
function cachedExplanation(credsUpdated: string | undefined, infoUpdated: string | undefined, accessKeyId: string | undefined, now: number): DoctorCheck {
  const evidence: string[] = [];
  if (infoUpdated) evidence.push(`iam/info LastUpdated ${formatRelative(infoUpdated, now)}`);
  if (credsUpdated) evidence.push(`credentials LastUpdated ${formatRelative(credsUpdated, now)}`);
  if (accessKeyId) evidence.push(`IMDS serves AccessKeyId ${keyTail(accessKeyId)}`);
  const issued = credsUpdated ? Date.parse(credsUpdated) : NaN;
  const recent = !Number.isNaN(issued) && now - issued < RECENT_MS;
  return {
    id: 'iam-cached-credentials', title: TITLES.cached, status: 'info',
    summary: recent
      ? `These credentials were issued ${formatDuration(now - issued)} ago: if the role was attached about then, programs that started earlier may still use cached credentials, or none.`
      : 'If a newly attached role seems not to work, the program asking is using cached or other credentials, not what IMDS serves now.',
    evidence,
    advice: [
      'IMDS serves the role as soon as it shows here: it is provided by the EC2 host, not by a process on the instance, so restarting services on the instance does not change what IMDS serves.',
      `Programs cache credentials. The SSM agent keeps using what it started with (or keeps retrying without any): restart it so it picks up the role — ${RESTART_SSM_AGENT} (snap installs: ${RESTART_SSM_AGENT_SNAP}).`,
      'A long-running program built on an AWS SDK refreshes credentials on its own schedule, and one that found none at start-up may not look again: restart it.',
      'The AWS CLI looks credentials up on every run: aws configure list shows where it takes them from (type iam-role is the instance role; env or shared-credentials-file means something shadows it, see the credential chain check), and aws sts get-caller-identity shows which role is in use.',
      'Changes to the role\'s policies take effect within seconds to a few minutes (IAM is eventually consistent); the credentials themselves need not change.',
    ],
    commands: [...WHICH_CREDENTIALS, RESTART_SSM_AGENT],
  };
}
