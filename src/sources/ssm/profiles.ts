// Named profiles of the shared AWS files, for a profile picker: section names of ~/.aws/config
// (`[default]`, `[profile NAME]`) and ~/.aws/credentials (`[NAME]`), with each one's region and
// whether it signs in through SSO. Read directly (no SDK): listing names must stay cheap.

import { readRegularFile } from '../../imds/regularFile';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface AwsProfile {
  name: string;
  region?: string;
  /** Signs in through IAM Identity Center (sso_start_url or sso_session). */
  sso: boolean;
}

function sections(text: string): Map<string, Map<string, string>> {
  const found = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s[#;].*$/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      current = new Map();
      found.set(header[1], current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0 && !/^\s/.test(raw)) current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return found;
}

async function readOptional(file: string): Promise<string> {
  try {
    // A regular file under 1 MiB only: a FIFO in place of ~/.aws/config must not hang the picker.
    return (await readRegularFile(file, 1024 * 1024, 'the AWS file')).toString('utf8');
  } catch {
    return '';
  }
}

/** Profiles from the shared files ($AWS_CONFIG_FILE, $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/). */
export async function listAwsProfiles(env: NodeJS.ProcessEnv = process.env): Promise<AwsProfile[]> {
  const home = env.HOME || env.USERPROFILE || homedir();
  const config = sections(await readOptional(env.AWS_CONFIG_FILE || join(home, '.aws', 'config')));
  const credentials = sections(await readOptional(env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials')));
  const profiles = new Map<string, AwsProfile>();
  for (const [section, values] of config) {
    const name = section === 'default' ? 'default' : /^profile\s+(.+)$/.exec(section)?.[1]?.trim();
    if (!name) continue; // sso-session and services sections are not profiles
    profiles.set(name, { name, ...(values.get('region') ? { region: values.get('region') } : {}), sso: values.has('sso_start_url') || values.has('sso_session') });
  }
  for (const name of credentials.keys()) if (!profiles.has(name)) profiles.set(name, { name, sso: false });
  return [...profiles.values()].sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name.localeCompare(b.name)));
}
