// Does anything come before the instance role in the AWS default credential chain? Environment
// keys, a selected profile with keys / role_arn / credential_process / SSO, web identity, container
// credentials: each wins over IMDS, so the role "does not take effect". Env and home directory are
// inputs, so tests are hermetic. Only names and key tails are reported, never secret values.

import { readRegularFile } from '../../imds/regularFile';
import * as path from 'node:path';
import { WHICH_CREDENTIALS } from '../fixes';
import { keyTail } from '../format';
import type { DoctorCheck } from '../types';
import type { Env } from '../../imds/endpoint';

export interface CredentialChainInput {
  env: Env;
  /** Home directory whose .aws/ is read (default files: ~/.aws/credentials, ~/.aws/config). */
  homeDir: string;
  rolePresent: boolean;
  /** Set when the environment read is not the instance's (SSM, a snapshot file): the check is skipped. */
  notApplicable?: string;
}

type IniSections = Map<string, Map<string, string>>;

/** Minimal INI reader for the AWS shared files: `[section]`, `key = value`, `#`/`;` comments. */
export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      current = sections.get(header[1]) ?? new Map();
      sections.set(header[1], current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && current && !/^\s/.test(raw)) current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return sections;
}

async function readIni(file: string): Promise<IniSections | undefined> {
  try {
    // A regular file under 1 MiB only: a FIFO at ~/.aws/credentials must not hang the doctor.
    return parseIni((await readRegularFile(file, 1024 * 1024, 'the AWS file')).toString('utf8'));
  } catch {
    return undefined;
  }
}

const set = (env: Env, name: string) => (env[name] ?? '').trim() !== '';

export async function runCredentialChainCheck(input: CredentialChainInput): Promise<DoctorCheck> {
  const title = 'Credentials that shadow the instance role';
  if (input.notApplicable) return { id: 'credential-chain', title, status: 'skip', summary: input.notApplicable, evidence: [], advice: ['Run imds doctor on the instance itself to check this.'] };
  const { env, homeDir } = input;
  const shadows: string[] = [];
  const evidence: string[] = [];
  const advice: string[] = [];

  // 1. Environment variables: the first link of every SDK's chain.
  if (set(env, 'AWS_ACCESS_KEY_ID')) {
    const complete = set(env, 'AWS_SECRET_ACCESS_KEY');
    const line = `AWS_ACCESS_KEY_ID is set (${keyTail(env.AWS_ACCESS_KEY_ID!.trim())})${complete ? ' with AWS_SECRET_ACCESS_KEY' : ', but AWS_SECRET_ACCESS_KEY is not'}${set(env, 'AWS_SESSION_TOKEN') ? ' and AWS_SESSION_TOKEN' : ''}`;
    evidence.push(line);
    if (complete) shadows.push('access keys in the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)');
    else advice.push('AWS_ACCESS_KEY_ID without AWS_SECRET_ACCESS_KEY is a half-set pair: some tools stop with an error instead of moving on to the instance role. Unset it.');
  } else if (set(env, 'AWS_SECRET_ACCESS_KEY')) {
    evidence.push('AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID');
  }
  if (set(env, 'AWS_WEB_IDENTITY_TOKEN_FILE') && set(env, 'AWS_ROLE_ARN')) {
    evidence.push(`AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (${env.AWS_ROLE_ARN}) are set`);
    shadows.push(`web identity role ${env.AWS_ROLE_ARN} (AWS_WEB_IDENTITY_TOKEN_FILE, e.g. EKS IRSA)`);
  }
  for (const name of ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
    if (set(env, name)) {
      evidence.push(`${name} is set`);
      shadows.push(`container credentials (${name}: ECS task role or EKS Pod Identity)`);
    }
  }

  // 2. The selected profile in the shared files.
  const profileVar = set(env, 'AWS_PROFILE') ? 'AWS_PROFILE' : set(env, 'AWS_DEFAULT_PROFILE') ? 'AWS_DEFAULT_PROFILE' : undefined;
  const profile = profileVar ? env[profileVar]!.trim() : 'default';
  if (profileVar) evidence.push(`${profileVar}=${profile}`);
  const awsDir = path.join(homeDir, '.aws');
  const credentialsFile = set(env, 'AWS_SHARED_CREDENTIALS_FILE') ? env.AWS_SHARED_CREDENTIALS_FILE!.trim() : path.join(awsDir, 'credentials');
  const configFile = set(env, 'AWS_CONFIG_FILE') ? env.AWS_CONFIG_FILE!.trim() : path.join(awsDir, 'config');
  const credentials = await readIni(credentialsFile);
  const config = await readIni(configFile);
  evidence.push(`${credentialsFile}: ${credentials ? `profiles ${[...credentials.keys()].join(', ') || '(none)'}` : 'absent'}`);
  evidence.push(`${configFile}: ${config ? `profiles ${[...config.keys()].map((s) => s.replace(/^profile\s+/, '')).join(', ') || '(none)'}` : 'absent'}`);

  const credSection = credentials?.get(profile);
  const configSection = config?.get(profile === 'default' ? 'default' : `profile ${profile}`) ?? (profile === 'default' ? config?.get('profile default') : undefined);
  if (credSection?.has('aws_access_key_id')) {
    shadows.push(`keys of profile [${profile}] in ${credentialsFile}`);
    evidence.push(`[${profile}] in ${credentialsFile} has aws_access_key_id${credSection.get('aws_access_key_id') ? ` (${keyTail(credSection.get('aws_access_key_id')!)})` : ''}`);
  }
  if (configSection) {
    if (configSection.has('aws_access_key_id')) shadows.push(`keys of profile ${profile} in ${configFile}`);
    if (configSection.has('credential_process')) shadows.push(`credential_process of profile ${profile} in ${configFile}`);
    if (configSection.has('sso_session') || configSection.has('sso_start_url')) shadows.push(`IAM Identity Center (SSO) login of profile ${profile}`);
    if (configSection.has('web_identity_token_file')) shadows.push(`web_identity_token_file of profile ${profile}`);
    if (configSection.has('role_arn')) {
      const source = configSection.get('credential_source');
      if (source === 'Ec2InstanceMetadata') {
        evidence.push(`profile ${profile} assumes ${configSection.get('role_arn')} using the instance role (credential_source = Ec2InstanceMetadata)`);
      } else {
        shadows.push(`role_arn ${configSection.get('role_arn')} of profile ${profile}${configSection.has('source_profile') ? ` (source_profile ${configSection.get('source_profile')})` : ''}`);
      }
    }
    const keys = [...configSection.keys()].filter((k) => !/secret|token/.test(k));
    evidence.push(`profile ${profile} in ${configFile} sets ${keys.join(', ') || 'nothing'}`);
  }
  const commands = [...WHICH_CREDENTIALS];
  if (profileVar && !credSection && !configSection) {
    return {
      id: 'credential-chain', title, status: 'warn',
      summary: `${profileVar}=${profile} names a profile found in neither ${credentialsFile} nor ${configFile}: the AWS CLI stops with "profile could not be found" instead of using the instance role.`,
      evidence, advice: [`Unset ${profileVar} (unset ${profileVar}) to use the instance role, or create the profile.`, ...advice], commands,
    };
  }

  if (shadows.length === 0) {
    return {
      id: 'credential-chain', title, status: input.rolePresent ? 'pass' : 'info',
      summary: input.rolePresent
        ? 'Nothing here comes before the instance role: the AWS CLI and SDKs in this environment fall through to IMDS.'
        : 'Nothing here comes before the instance role (and no role is attached).',
      evidence, advice, commands,
    };
  }
  return {
    id: 'credential-chain', title, status: input.rolePresent ? 'warn' : 'info',
    summary: `The AWS CLI and SDKs here use ${shadows[0]}${shadows.length > 1 ? ` (and ${shadows.length - 1} more)` : ''}, not the instance role.`,
    evidence: [...evidence, ...shadows.map((s) => `comes before IMDS in the default chain: ${s}`)],
    advice: [
      'The default credential chain stops at the first source that has credentials; the instance role (IMDS) comes last. aws configure list shows which one the CLI uses (its type column).',
      'To use the instance role: unset the variables (unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE), or remove the keys from the profile; or keep them on purpose and know that the role is not in use here.',
      ...advice,
    ],
    commands,
  };
}
