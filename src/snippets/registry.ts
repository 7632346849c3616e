// Every snippet variant the extension offers, with the VS Code language it is written in, and the
// choice of variants from the active editor's language.

import { bashImdsFunction, bashImdsV1, bashImdsV2, bashImdsV2Container, bashImdsV2Ipv6 } from './bash';
import { nodeImdsV2, nodeImdsV2Ipv6 } from './node';
import type { SnippetOptions } from './options';
import { powershellImdsV1, powershellImdsV2, powershellImdsV2Ipv6 } from './powershell';
import { pythonImdsV2, pythonImdsV2Ipv6 } from './python';
import { iptablesAllowOnlyUser, iptablesDenyUser, ipfwAllowOnlyUser, pfAllowOnlyUser, windowsFirewallAllowOnlyUser } from './restrictions';

/** VS Code language ids the snippets are written in. */
export type SnippetLanguage = 'shellscript' | 'powershell' | 'python' | 'javascript';

export interface SnippetKind {
  id: string;
  label: string;
  description: string;
  languageId: SnippetLanguage;
  /** `v2` and `v1` read `path`; `rules` are access-restriction rules that ignore it. */
  protocol: 'v2' | 'v1' | 'rules';
  generate(path: string, options?: SnippetOptions): string;
}

export const snippetKinds: readonly SnippetKind[] = [
  { id: 'bash-imdsv2', label: 'curl (IMDSv2)', description: 'bash + curl with a session token', languageId: 'shellscript', protocol: 'v2', generate: bashImdsV2 },
  { id: 'bash-function', label: 'bash function imds_get (IMDSv2)', description: 'reusable function, cached token, error handling', languageId: 'shellscript', protocol: 'v2', generate: bashImdsFunction },
  { id: 'bash-imdsv2-ipv6', label: 'curl (IMDSv2, IPv6 endpoint)', description: 'http://[fd00:ec2::254]', languageId: 'shellscript', protocol: 'v2', generate: bashImdsV2Ipv6 },
  { id: 'bash-imdsv2-container', label: 'curl (IMDSv2, inside a container)', description: 'with the hop limit 2 explanation', languageId: 'shellscript', protocol: 'v2', generate: bashImdsV2Container },
  { id: 'bash-imdsv1', label: 'curl (IMDSv1, legacy, no token)', description: 'only where IMDSv1 is still allowed', languageId: 'shellscript', protocol: 'v1', generate: bashImdsV1 },
  { id: 'powershell-imdsv2', label: 'PowerShell (IMDSv2)', description: 'Invoke-RestMethod with the token header', languageId: 'powershell', protocol: 'v2', generate: powershellImdsV2 },
  { id: 'powershell-imdsv2-ipv6', label: 'PowerShell (IMDSv2, IPv6 endpoint)', description: 'http://[fd00:ec2::254]', languageId: 'powershell', protocol: 'v2', generate: powershellImdsV2Ipv6 },
  { id: 'powershell-imdsv1', label: 'PowerShell (IMDSv1, legacy, no token)', description: 'only where IMDSv1 is still allowed', languageId: 'powershell', protocol: 'v1', generate: powershellImdsV1 },
  { id: 'python-imdsv2', label: 'Python 3 (IMDSv2)', description: 'standard library only (urllib)', languageId: 'python', protocol: 'v2', generate: pythonImdsV2 },
  { id: 'python-imdsv2-ipv6', label: 'Python 3 (IMDSv2, IPv6 endpoint)', description: 'http://[fd00:ec2::254]', languageId: 'python', protocol: 'v2', generate: pythonImdsV2Ipv6 },
  { id: 'node-imdsv2', label: 'Node.js (IMDSv2)', description: 'built-in fetch, Node >= 18', languageId: 'javascript', protocol: 'v2', generate: nodeImdsV2 },
  { id: 'node-imdsv2-ipv6', label: 'Node.js (IMDSv2, IPv6 endpoint)', description: 'http://[fd00:ec2::254]', languageId: 'javascript', protocol: 'v2', generate: nodeImdsV2Ipv6 },
  { id: 'rules-iptables-deny-user', label: 'iptables: block IMDS for one user', description: 'owner module REJECT (AWS docs)', languageId: 'shellscript', protocol: 'rules', generate: iptablesDenyUser },
  { id: 'rules-iptables-allow-user', label: 'iptables: allow IMDS only for a trusted user', description: 'owner module ! --uid-owner REJECT (AWS docs)', languageId: 'shellscript', protocol: 'rules', generate: iptablesAllowOnlyUser },
  { id: 'rules-pf-allow-user', label: 'PF: allow IMDS only for a trusted user', description: 'FreeBSD/OpenBSD pf.conf (AWS docs)', languageId: 'shellscript', protocol: 'rules', generate: pfAllowOnlyUser },
  { id: 'rules-ipfw-allow-user', label: 'IPFW: allow IMDS only for a trusted user', description: 'FreeBSD ipfw (AWS docs)', languageId: 'shellscript', protocol: 'rules', generate: ipfwAllowOnlyUser },
  { id: 'rules-windows-firewall-allow-user', label: 'Windows Firewall: allow IMDS only for a trusted account', description: 'New-NetFirewallRule with SDDL (AWS docs)', languageId: 'powershell', protocol: 'rules', generate: windowsFirewallAllowOnlyUser },
];

export function snippetKind(id: string): SnippetKind | undefined {
  return snippetKinds.find((kind) => kind.id === id);
}

/** The variants written in `language`, in registry order (the first is the recommended one). */
export function snippetKindsFor(language: SnippetLanguage): SnippetKind[] {
  return snippetKinds.filter((kind) => kind.languageId === language);
}

/**
 * The snippet language for the active editor's language id, or undefined when none fits (the
 * caller then asks). Not TypeScript: the Node snippet's untyped parameters fail strict checks.
 */
export function languageForEditor(languageId: string | undefined): SnippetLanguage | undefined {
  switch (languageId) {
    case 'shellscript':
      return 'shellscript';
    case 'powershell':
      return 'powershell';
    case 'python':
      return 'python';
    case 'javascript':
    case 'javascriptreact':
      return 'javascript';
    default:
      return undefined;
  }
}
