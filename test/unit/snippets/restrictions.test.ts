// Access-restriction rules. The iptables/ip6tables rules are validated by iptables-restore --test
// (parse only, nothing committed) inside a throwaway network namespace when unshare works, so no
// rule ever reaches this host's firewall. PF and IPFW cannot be validated on Linux: their rule
// order and form are checked here, and every shell snippet passes `bash -n`.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ipfwAllowOnlyUser, iptablesAllowOnlyUser, iptablesDenyUser, pfAllowOnlyUser, snippetKinds } from '../../../src/snippets';

function found(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

const IPTABLES_MISSING = found('iptables-restore') && found('ip6tables-restore')
  ? undefined
  : 'iptables-restore is not installed (Debian package iptables): iptables rules not validated';
const CAN_UNSHARE = spawnSync('unshare', ['--net', 'true'], { stdio: 'ignore' }).status === 0;

/**
 * Runs the snippet's `sudo iptables …` / `sudo ip6tables …` lines with shell functions that only
 * record their arguments (so the snippet's own quoting is what bash parses), then turns them into
 * iptables-restore input.
 */
function toRestoreFiles(snippet: string): { v4: string; v6: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'imds-rules-'));
  try {
    const script = [
      'sudo() { "$@"; }',
      `iptables() { printf '%s\\n' "$*" >> ${JSON.stringify(path.join(dir, 'v4'))}; }`,
      `ip6tables() { printf '%s\\n' "$*" >> ${JSON.stringify(path.join(dir, 'v6'))}; }`,
      snippet,
    ].join('\n');
    const run = spawnSync('/bin/bash', ['-c', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const wrap = (name: string) => `*filter\n${readFileSync(path.join(dir, name), 'utf8')}COMMIT\n`;
    return { v4: wrap('v4'), v6: wrap('v6') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function restoreTest(tool: 'iptables-restore' | 'ip6tables-restore', rules: string): { status: number | null; stderr: string } {
  const [command, args] = CAN_UNSHARE ? ['unshare', ['--net', tool, '--test']] : [tool, ['--test']];
  const run = spawnSync(command, args, { input: rules, encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

describe('iptables rules pass iptables-restore --test', () => {
  const user = 'nobody'; // exists on Debian; the owner match refuses unknown users

  for (const [name, generate] of [['deny one user', iptablesDenyUser], ['allow only a trusted user', iptablesAllowOnlyUser]] as const) {
    it(`${name}: IPv4 and IPv6 rules are valid`, (t) => {
      if (IPTABLES_MISSING) return t.skip(IPTABLES_MISSING);
      if (!CAN_UNSHARE) t.diagnostic('unshare --net is not permitted here: iptables-restore --test ran in the host namespace (it commits nothing)');
      const { v4, v6 } = toRestoreFiles(generate('', { user }));
      assert.match(v4, /--destination 169\.254\.169\.254 --match owner (! )?--uid-owner nobody --jump REJECT/);
      assert.match(v6, /--destination fd00:ec2::254 --match owner (! )?--uid-owner nobody --jump REJECT/);
      for (const [tool, rules] of [['iptables-restore', v4], ['ip6tables-restore', v6]] as const) {
        const result = restoreTest(tool, rules);
        assert.equal(result.status, 0, `${tool}: ${result.stderr}\n${rules}`);
      }
    });
  }

  it('the validation rejects a broken rule (so a pass means something)', (t) => {
    if (IPTABLES_MISSING) return t.skip(IPTABLES_MISSING);
    const { v4 } = toRestoreFiles(iptablesDenyUser('', { user: 'no-such-user-imds' }));
    assert.notEqual(restoreTest('iptables-restore', v4).status, 0, 'unknown user refused');
    const broken = v4.replace('--match owner', '--match owner --no-such-option');
    assert.notEqual(restoreTest('iptables-restore', broken).status, 0, 'unknown option refused');
  });

  it('deny rule matches the user, allow-only rule negates it', () => {
    assert.match(iptablesDenyUser('', { user }), /--match owner --uid-owner 'nobody' --jump REJECT/);
    assert.match(iptablesAllowOnlyUser('', { user }), /--match owner ! --uid-owner 'nobody' --jump REJECT/);
    assert.match(iptablesDenyUser(''), /--uid-owner 'apache'/, 'the AWS example user is the default placeholder');
    assert.match(iptablesAllowOnlyUser(''), /--uid-owner 'trusted-user'/);
  });
});

describe('PF and IPFW rules', () => {
  it('PF: block first, then pass for the user (PF applies the last match), checked with pfctl -n before loading', () => {
    const source = pfAllowOnlyUser('', { user: 'www' });
    const body = source.split("<<'PF_RULES'\n")[1].split('\nPF_RULES\n')[0].split('\n');
    assert.deepEqual(body, [
      'block out inet proto tcp from any to 169.254.169.254',
      'pass out inet proto tcp from any to 169.254.169.254 user www',
    ]);
    assert.match(source, /pfctl -nf \/etc\/pf\.conf && pfctl -f \/etc\/pf\.conf/);
  });

  it('IPFW: allow for the user first, then deny (IPFW applies the first match)', () => {
    const commands = ipfwAllowOnlyUser('', { user: 'www' }).split('\n').filter((line) => line.startsWith('ipfw '));
    assert.deepEqual(commands, [
      'ipfw add allow tcp from any to 169.254.169.254 uid www',
      'ipfw add deny tcp from any to 169.254.169.254',
    ]);
  });

  it('user names that could carry syntax are refused', () => {
    for (const generate of [iptablesDenyUser, iptablesAllowOnlyUser, pfAllowOnlyUser, ipfwAllowOnlyUser]) {
      for (const user of ["o'brien", 'a b', '$(id)', 'x\nPF_RULES', '', '-rf', 'a'.repeat(33)]) {
        assert.throws(() => generate('', { user }), RangeError, `${generate.name} ${JSON.stringify(user)}`);
      }
      assert.doesNotThrow(() => generate('', { user: '1001' }), 'numeric uid');
    }
  });
});

describe('every shellscript snippet passes bash -n', () => {
  for (const kind of snippetKinds.filter((k) => k.languageId === 'shellscript')) {
    it(kind.id, () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'imds-bash-n-'));
      try {
        const file = path.join(dir, 'snippet.sh');
        writeFileSync(file, kind.generate("/latest/meta-data/tags/instance/it's $(x)"));
        const run = spawnSync('/bin/bash', ['-n', file], { encoding: 'utf8' });
        assert.equal(run.status, 0, run.stderr);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
