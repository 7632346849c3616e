// The static snippets contributed for shellscript and PowerShell editors (snippets/*.json) are
// built from the same generators, so they are as correct as the generated ones. The files are
// written by test/unit/snippets/writeStaticSnippets.ts and a test checks they are up to date.

import { bashImdsFunction, bashImdsV1, bashImdsV2, bashImdsV2Container, bashImdsV2Ipv6, bashImdsV2Token } from './bash';
import { powershellImdsV1, powershellImdsV2, powershellImdsV2Ipv6, powershellImdsV2Token } from './powershell';
import { iptablesAllowOnlyUser, iptablesDenyUser, ipfwAllowOnlyUser, pfAllowOnlyUser, windowsFirewallAllowOnlyUser } from './restrictions';

/** One entry of a VS Code snippets file. */
export interface StaticSnippet {
  prefix: string;
  description: string;
  body: string[];
}

export type StaticSnippetLanguage = 'shellscript' | 'powershell';

// Generated with these in place of the path and the user, then swapped for tab stops.
const PATH_SENTINEL = '/latest/meta-data/IMDS_SNIPPET_PATH_SENTINEL';
const USER_SENTINEL = 'IMDS_SNIPPET_USER_SENTINEL';
export const STATIC_DEFAULT_PATH = '/latest/meta-data/instance-id';

interface Entry {
  name: string;
  prefix: string;
  description: string;
  text: string;
  /** Default of the `${1:…}` tab stop that replaces the sentinel. */
  placeholder?: { sentinel: string; value: string };
}

const forPath = { sentinel: PATH_SENTINEL, value: STATIC_DEFAULT_PATH };
const forUser = (value: string) => ({ sentinel: USER_SENTINEL, value });

function entries(language: StaticSnippetLanguage): Entry[] {
  if (language === 'shellscript') {
    return [
      { name: 'IMDSv2: session token', prefix: 'imds-token', description: 'IMDSv2 token into IMDS_TOKEN with curl -f, timeouts and an exit status check', text: bashImdsV2Token() },
      { name: 'IMDSv2: get a value', prefix: 'imds-get', description: 'Read one IMDS path with an IMDSv2 token (curl -f, timeouts, checked)', text: bashImdsV2(PATH_SENTINEL), placeholder: forPath },
      { name: 'IMDSv2: imds_get function', prefix: 'imds-function', description: 'Reusable bash function imds_get PATH: cached IMDSv2 token, retry on 401, errors on stderr', text: bashImdsFunction(PATH_SENTINEL), placeholder: forPath },
      { name: 'IMDSv2: get over IPv6', prefix: 'imds-get-ipv6', description: 'Read one IMDS path from http://[fd00:ec2::254] with an IMDSv2 token', text: bashImdsV2Ipv6(PATH_SENTINEL), placeholder: forPath },
      { name: 'IMDSv2: get from a container', prefix: 'imds-get-container', description: 'IMDSv2 read from inside a container, with the hop limit 2 explanation', text: bashImdsV2Container(PATH_SENTINEL), placeholder: forPath },
      { name: 'IMDSv1 (legacy): get a value', prefix: 'imds-get-v1', description: 'Legacy IMDSv1 read without a token: only where IMDSv1 is still allowed', text: bashImdsV1(PATH_SENTINEL), placeholder: forPath },
      { name: 'IMDS access: block a user (iptables)', prefix: 'imds-iptables-block-user', description: 'iptables owner-module REJECT of IMDS for one user (AWS docs)', text: iptablesDenyUser('', { user: USER_SENTINEL }), placeholder: forUser('apache') },
      { name: 'IMDS access: allow only a trusted user (iptables)', prefix: 'imds-iptables-allow-user', description: 'iptables: reject IMDS for everyone but one user (AWS docs)', text: iptablesAllowOnlyUser('', { user: USER_SENTINEL }), placeholder: forUser('trusted-user') },
      { name: 'IMDS access: allow only a trusted user (PF)', prefix: 'imds-pf-allow-user', description: 'PF rules on FreeBSD/OpenBSD: block IMDS except for one user (AWS docs)', text: pfAllowOnlyUser('', { user: USER_SENTINEL }), placeholder: forUser('trusted-user') },
      { name: 'IMDS access: allow only a trusted user (IPFW)', prefix: 'imds-ipfw-allow-user', description: 'IPFW rules on FreeBSD: allow IMDS for one user, deny the rest (AWS docs)', text: ipfwAllowOnlyUser('', { user: USER_SENTINEL }), placeholder: forUser('trusted-user') },
    ];
  }
  return [
    { name: 'IMDSv2: session token', prefix: 'imds-token', description: 'IMDSv2 token into $imdsToken with Invoke-RestMethod, timeout and a clear error', text: powershellImdsV2Token() },
    { name: 'IMDSv2: get a value', prefix: 'imds-get', description: 'Read one IMDS path with an IMDSv2 token (Invoke-RestMethod)', text: powershellImdsV2(PATH_SENTINEL), placeholder: forPath },
    { name: 'IMDSv2: get over IPv6', prefix: 'imds-get-ipv6', description: 'Read one IMDS path from http://[fd00:ec2::254] with an IMDSv2 token', text: powershellImdsV2Ipv6(PATH_SENTINEL), placeholder: forPath },
    { name: 'IMDSv1 (legacy): get a value', prefix: 'imds-get-v1', description: 'Legacy IMDSv1 read without a token: only where IMDSv1 is still allowed', text: powershellImdsV1(PATH_SENTINEL), placeholder: forPath },
    { name: 'IMDS access: allow only a trusted account (Windows Firewall)', prefix: 'imds-firewall-allow-user', description: 'Windows Firewall: block IMDS for everyone but one account (AWS docs)', text: windowsFirewallAllowOnlyUser('', { user: USER_SENTINEL }), placeholder: forUser('trusted-user') },
  ];
}

/** Escapes text for a VS Code snippet body: `$`, `}` and `\` are literal only when escaped. */
export function escapeSnippetText(text: string): string {
  return text.replace(/[\\$}]/g, (char) => '\\' + char);
}

/** The contents of snippets/<language>.json, as an object keyed by snippet name. */
export function buildStaticSnippets(language: StaticSnippetLanguage): Record<string, StaticSnippet> {
  const out: Record<string, StaticSnippet> = {};
  for (const entry of entries(language)) {
    let body = escapeSnippetText(entry.text);
    if (entry.placeholder) {
      const stop = '${1:' + escapeSnippetText(entry.placeholder.value) + '}';
      body = body.split(entry.placeholder.sentinel).join(stop);
    }
    out[entry.name] = { prefix: entry.prefix, description: entry.description, body: body.replace(/\n$/, '').split('\n') };
  }
  return out;
}

/** The file text, exactly as committed. */
export function staticSnippetsFile(language: StaticSnippetLanguage): string {
  return JSON.stringify(buildStaticSnippets(language), null, 2) + '\n';
}
