// PowerShell snippets: executed with pwsh against the emulator when pwsh is installed; everywhere
// a structural check with a PowerShell tokenizer (strings terminated, brackets balanced, line
// continuations intact, and every path or user name only inside single-quoted strings).
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { imdsRequestPath, powershellSingleQuote, snippetKinds } from '../../../src/snippets';
import { scanPowerShell } from './powershellLexer';

const PWSH_MISSING = spawnSync('pwsh', ['-NoProfile', '-Command', '$PSVersionTable.PSVersion.ToString()'], { stdio: 'ignore' }).status !== 0
  ? 'pwsh is not installed on this machine: PowerShell snippets are checked structurally only, not executed'
  : undefined;

const powershellKinds = snippetKinds.filter((kind) => kind.languageId === 'powershell');
const readKinds = powershellKinds.filter((kind) => kind.protocol !== 'rules');

const HOSTILE = [
  "/latest/meta-data/tags/instance/it's",
  '/latest/meta-data/tags/instance/$(Remove-Item -Recurse C:\\)',
  '/latest/meta-data/tags/instance/\u2019; Write-Host pwned; \u2018',
  '/latest/meta-data/tags/instance/`n"$env:PATH"',
  '/latest/meta-data/tags/instance/line1\nline2',
];

describe('the PowerShell tokenizer used for the structural check', () => {
  it('finds the problems it is there to find', () => {
    assert.ok(scanPowerShell("Write-Output 'open").problems.length > 0);
    assert.ok(scanPowerShell('Write-Output @{ a = 1 ').problems.length > 0);
    assert.ok(scanPowerShell('Get-Item -Path x ` \n  -Force').problems.length > 0, 'backtick + trailing space');
    assert.deepEqual(scanPowerShell("'it''s' '\u2019\u2019'").singleQuoted, ["it's", '\u2019']);
    assert.deepEqual(scanPowerShell('"a `" b ""c"" $(x)"').doubleQuoted, ['a `" b "c" $(x)']);
    assert.deepEqual(scanPowerShell("# 'not a string\n'a'").singleQuoted, ['a']);
  });

  it('powershellSingleQuote round-trips through it', () => {
    for (const text of ['', "it's", "''", '\u2018x\u2019\u201a\u201b', '$(x) `n "q" @{ }', 'a\nb']) {
      const scan = scanPowerShell(`Write-Output ${powershellSingleQuote(text)}`);
      assert.deepEqual(scan.problems, []);
      assert.deepEqual(scan.singleQuoted, [text]);
    }
  });
});

describe('PowerShell snippets are well-formed', () => {
  for (const kind of powershellKinds) {
    it(`${kind.id}: structure`, () => {
      const scan = scanPowerShell(kind.generate('/latest/meta-data/instance-id'));
      assert.deepEqual(scan.problems, []);
    });
  }

  for (const kind of readKinds) {
    it(`${kind.id}: hostile paths only ever appear inside single-quoted strings`, () => {
      for (const hostile of HOSTILE) {
        const source = kind.generate(hostile);
        const scan = scanPowerShell(source);
        assert.deepEqual(scan.problems, [], JSON.stringify(hostile));
        const wire = imdsRequestPath(hostile);
        assert.ok(scan.singleQuoted.some((s) => s.endsWith(wire)), `${JSON.stringify(hostile)} is a single-quoted literal`);
        for (const expandable of scan.doubleQuoted) assert.ok(!expandable.includes('tags/instance'), 'no path in an expandable string');
      }
    });
  }

  it('powershell-imdsv2 asks for a token with a TTL and sends it, with timeouts and errors that stop', () => {
    const source = snippetKinds.find((k) => k.id === 'powershell-imdsv2')!.generate('/latest/meta-data/instance-id', { tokenTtlSeconds: 300, requestTimeoutSeconds: 3 });
    assert.match(source, /Invoke-RestMethod -Method Put -Uri \(\$imdsEndpoint \+ '\/latest\/api\/token'\)/);
    assert.match(source, /'X-aws-ec2-metadata-token-ttl-seconds' = '300'/);
    assert.match(source, /-Headers @\{ 'X-aws-ec2-metadata-token' = \$imdsToken \}/);
    assert.equal(source.match(/-TimeoutSec 3 -UseBasicParsing -ErrorAction Stop/g)?.length, 2);
    assert.match(source, /\$imdsEndpoint = 'http:\/\/169\.254\.169\.254'/);
  });

  it('powershell-imdsv1 is labelled legacy and sends no token', () => {
    const source = snippetKinds.find((k) => k.id === 'powershell-imdsv1')!.generate('/latest/meta-data/instance-id');
    assert.match(source, /^# IMDSv1 \(LEGACY, no token\)/);
    assert.doesNotMatch(source, /X-aws-ec2-metadata-token/);
  });

  it('rules-windows-firewall-allow-user keeps the account name in single quotes', () => {
    const kind = snippetKinds.find((k) => k.id === 'rules-windows-firewall-allow-user')!;
    const source = kind.generate('', { user: "CORP\\o'brien $(pwned)" });
    const scan = scanPowerShell(source);
    assert.deepEqual(scan.problems, []);
    assert.ok(scan.singleQuoted.includes("CORP\\o'brien $(pwned)"));
    assert.ok(scan.doubleQuoted.every((s) => !s.includes('pwned')));
    assert.match(source, /New-NetFirewallRule .*-Action Block -Direction Outbound/);
    assert.match(source, /-RemoteAddress 169\.254\.169\.254 -LocalUser \$principalSddl/);
    assert.throws(() => kind.generate('', { user: 'a\nb' }), RangeError);
  });
});

describe('PowerShell snippets executed with pwsh', () => {
  let emulator: Emulator | undefined;
  before(async () => {
    if (!PWSH_MISSING) emulator = await startEmulator({ imdsv2: 'required' });
  });
  after(() => emulator?.close());

  for (const kind of powershellKinds) {
    it(`${kind.id}: pwsh parses it without errors`, async (t) => {
      if (PWSH_MISSING) return t.skip(PWSH_MISSING);
      const result = await pwsh(`$errors = $null; [void][System.Management.Automation.Language.Parser]::ParseInput([Console]::In.ReadToEnd(), [ref]$null, [ref]$errors); if ($errors) { $errors | ForEach-Object { $_.Message }; exit 1 }`, kind.generate('/latest/meta-data/instance-id'));
      assert.equal(result.status, 0, result.stdout + result.stderr);
    });
  }

  for (const kind of readKinds) {
    it(`${kind.id}: prints the emulator value`, async (t) => {
      if (PWSH_MISSING) return t.skip(PWSH_MISSING);
      const target = kind.protocol === 'v1' ? await startEmulator({ imdsv2: 'optional' }) : emulator!;
      try {
        const result = await pwshFile(kind.generate('/latest/meta-data/instance-id', { endpoint: target.url }));
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stdout.trimEnd(), target.getValue('/latest/meta-data/instance-id')!.toString());
      } finally {
        if (target !== emulator) await target.close();
      }
    });
  }
});

function pwsh(command: string, stdin: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('pwsh', ['-NoProfile', '-NonInteractive', '-Command', command], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

async function pwshFile(source: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'imds-ps-'));
  const file = path.join(dir, 'snippet.ps1');
  writeFileSync(file, source);
  try {
    return await pwsh(`& ${powershellSingleQuote(file)}`, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
