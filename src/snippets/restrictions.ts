// Local firewall rules that limit which processes reach IMDS, after the AWS EC2 user guide page
// "Limit access to the Instance Metadata Service": iptables' owner module (deny one user, or allow
// only a trusted user), PF and IPFW on BSD, Windows Firewall with an SDDL principal list.
// The user is a placeholder to replace; it is validated so it cannot carry shell syntax.

import { bashSingleQuote, powershellSingleQuote } from './quote';
import type { SnippetOptions } from './options';

const IMDS_IPV4 = '169.254.169.254';
const IMDS_IPV6 = 'fd00:ec2::254';
const DOCS = 'AWS EC2 user guide, "Limit access to the Instance Metadata Service"';

/** POSIX portable user names (and numeric uids): nothing a shell, PF or IPFW would interpret. */
const UNIX_USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;

function unixUser(options: SnippetOptions, placeholder: string): string {
  const user = options.user ?? placeholder;
  if (!UNIX_USER.test(user)) {
    throw new RangeError(`user must be a user name or uid (letters, digits, . _ -, at most 32), got ${JSON.stringify(user)}`);
  }
  return user;
}

/** iptables/ip6tables: REJECT IMDS requests (v1 and v2) from processes running as one user. */
export function iptablesDenyUser(_path: string, options: SnippetOptions = {}): string {
  const user = unixUser(options, 'apache');
  const rule = (tool: string, address: string) =>
    `sudo ${tool} --append OUTPUT --proto tcp --destination ${address} --match owner --uid-owner ${bashSingleQuote(user)} --jump REJECT`;
  return [
    `# Limit IMDS access (${DOCS}):`,
    `# reject every IMDS request, IMDSv1 and IMDSv2, from processes running as ${user}.`,
    `# Replace ${user} with the account to block (${user === 'apache' ? 'apache: the web server in the AWS example' : 'placeholder'}).`,
    '# Rules last until reboot unless saved (e.g. iptables-save > /etc/iptables/rules.v4).',
    rule('iptables', IMDS_IPV4),
    '# The IPv6 endpoint, when it is enabled on the instance:',
    rule('ip6tables', IMDS_IPV6),
  ].join('\n') + '\n';
}

/** iptables/ip6tables: REJECT IMDS requests from every process except those of one trusted user. */
export function iptablesAllowOnlyUser(_path: string, options: SnippetOptions = {}): string {
  const user = unixUser(options, 'trusted-user');
  const rule = (tool: string, address: string) =>
    `sudo ${tool} --append OUTPUT --proto tcp --destination ${address} --match owner ! --uid-owner ${bashSingleQuote(user)} --jump REJECT`;
  return [
    `# Limit IMDS access (${DOCS}):`,
    `# only processes running as ${user} may reach IMDS; every other user's requests are rejected.`,
    `# Replace ${user} with the account that needs instance metadata. This also blocks root, which`,
    '# runs cloud-init and the SSM agent: allow it too if they need IMDS (or match a group with --gid-owner).',
    '# Rules last until reboot unless saved (e.g. iptables-save > /etc/iptables/rules.v4).',
    rule('iptables', IMDS_IPV4),
    '# The IPv6 endpoint, when it is enabled on the instance:',
    rule('ip6tables', IMDS_IPV6),
  ].join('\n') + '\n';
}

/** PF (FreeBSD, OpenBSD): block IMDS except for one user. PF applies the last matching rule. */
export function pfAllowOnlyUser(_path: string, options: SnippetOptions = {}): string {
  const user = unixUser(options, 'trusted-user');
  return [
    `# Limit IMDS access with PF (${DOCS}):`,
    `# only processes running as ${user} may reach IMDS. PF applies the LAST matching rule, so the`,
    `# pass rule comes after the block rule. Replace ${user}; run as root. pfctl -n checks the file first.`,
    "cat >> /etc/pf.conf <<'PF_RULES'",
    `block out inet proto tcp from any to ${IMDS_IPV4}`,
    `pass out inet proto tcp from any to ${IMDS_IPV4} user ${user}`,
    'PF_RULES',
    'pfctl -nf /etc/pf.conf && pfctl -f /etc/pf.conf',
  ].join('\n') + '\n';
}

/** IPFW (FreeBSD): allow one user, deny the rest. IPFW applies the FIRST matching rule. */
export function ipfwAllowOnlyUser(_path: string, options: SnippetOptions = {}): string {
  const user = unixUser(options, 'trusted-user');
  return [
    `# Limit IMDS access with IPFW (${DOCS}):`,
    `# only processes running as ${user} may reach IMDS. IPFW applies the FIRST matching rule, so the`,
    `# allow rule comes before the deny rule. Replace ${user}; run as root.`,
    `ipfw add allow tcp from any to ${IMDS_IPV4} uid ${user}`,
    `ipfw add deny tcp from any to ${IMDS_IPV4}`,
  ].join('\n') + '\n';
}

/** Windows Firewall: block IMDS for everyone except one account (an SDDL with a deny ACE for it). */
export function windowsFirewallAllowOnlyUser(_path: string, options: SnippetOptions = {}): string {
  const user = options.user ?? 'trusted-user';
  if (user === '' || /[\u0000-\u001f\u007f]/.test(user)) {
    throw new RangeError(`user must be a Windows account name without control characters, got ${JSON.stringify(user)}`);
  }
  return [
    `# Limit IMDS access with Windows Firewall (${DOCS}):`,
    '# block IMDS for Everyone except the account below (replace trusted-user; DOMAIN\\name works).',
    '# This also blocks SYSTEM, which runs EC2Launch and the SSM agent. Run as Administrator.',
    "$blockPrincipal = New-Object -TypeName System.Security.Principal.NTAccount -ArgumentList 'Everyone'",
    '$blockPrincipalSid = $blockPrincipal.Translate([System.Security.Principal.SecurityIdentifier]).Value',
    `$exceptionPrincipal = New-Object -TypeName System.Security.Principal.NTAccount -ArgumentList ${powershellSingleQuote(user)}`,
    '$exceptionPrincipalSid = $exceptionPrincipal.Translate([System.Security.Principal.SecurityIdentifier]).Value',
    '# The deny ACE exempts the trusted account from the block rule; the allow ACE applies it to everyone else.',
    '$principalSddl = "O:LSD:(D;;CC;;;$exceptionPrincipalSid)(A;;CC;;;$blockPrincipalSid)"',
    `New-NetFirewallRule -DisplayName ${powershellSingleQuote(`Block IMDS except ${user}`)} -Action Block -Direction Outbound \``,
    `    -Protocol TCP -RemoteAddress ${IMDS_IPV4} -LocalUser $principalSddl`,
  ].join('\n') + '\n';
}
