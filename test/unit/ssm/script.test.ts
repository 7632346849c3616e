// The scripts that run on instances and the document they print, without SSM in between: safe
// quoting, valid sh/python/PowerShell, the parts of a long document and their checks, and the
// replay of records into the client's snapshot.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { ImdsClient } from '../../../src/imds/client';
import { assembleDocument, decodeDocument, DocumentError, parseDocumentPart, posixCksum, type DocumentPart } from '../../../src/sources/ssm/document';
import { PYTHON_WALKER } from '../../../src/sources/ssm/pythonWalker';
import { replayWalk } from '../../../src/sources/ssm/replay';
import { pollDelayMs } from '../../../src/sources/ssm/runner';
import {
  buildPowerShellChunkScript,
  buildPowerShellSnapshotScript,
  buildShellChunkScript,
  buildShellCleanupScript,
  buildShellSnapshotScript,
  powershellQuote,
  secretPathPatterns,
  shellQuote,
  versionRootDirectories,
} from '../../../src/sources/ssm/script';
import { AGENT_PATH, findSystemTool } from '../../support/ssm/instanceShell';

const run = promisify(execFile);
const ID = '0123456789abcdef';

describe('snapshot script: parameters and syntax', () => {
  it('quotes values for sh so that nothing in them runs', async () => {
    for (const value of [`it's`, '$(touch /tmp/pwned)', '`id`', 'a\nb', '"; rm -rf / #', '\\x', '']) {
      const { stdout } = await run('/bin/sh', ['-c', `printf %s ${shellQuote(value)}`]);
      assert.equal(stdout, value);
    }
    assert.equal(powershellQuote(`it's`), `'it''s'`);
  });

  it('refuses parameters no IMDS endpoint, path, TTL or id can have', () => {
    assert.throws(() => buildShellSnapshotScript({ documentId: ID, imdsEndpoint: "http://169.254.169.254/latest/'; reboot" }), /has a path/);
    assert.throws(() => buildShellSnapshotScript({ documentId: ID, imdsEndpoint: 'ftp://x' }), /http/);
    assert.throws(() => buildShellSnapshotScript({ documentId: ID, root: "/latest/meta-data/'x'" }), /quotes/);
    assert.throws(() => buildShellSnapshotScript({ documentId: ID, root: '/latest/../etc/' }), /segment/);
    assert.throws(() => buildShellSnapshotScript({ documentId: ID, tokenTtlSeconds: 0 }), /1 to 21600/);
    assert.throws(() => buildShellSnapshotScript({ documentId: 'NOT-HEX' }), /hex/);
    assert.throws(() => buildShellChunkScript(ID, 1, 3), /not a follow-up part/);
  });

  it('is readable: says what it does, shows its parameters, and takes catalog facts from the catalog', () => {
    const script = buildShellSnapshotScript({ documentId: ID, imdsEndpoint: 'http://[fd00:ec2::254]', root: 'meta-data/iam/', tokenTtlSeconds: 300 });
    const lines = script.split('\n');
    assert.equal(lines[0], '#!/bin/sh');
    assert.match(lines[1], /EC2 Instance Metadata Explorer: IMDS snapshot script/);
    assert.ok(script.includes(`IMDSX_ENDPOINT='http://[fd00:ec2::254]'`));
    assert.ok(script.includes(`IMDSX_ROOT='/latest/meta-data/iam/'`));
    assert.ok(script.includes('IMDSX_TTL=300'));
    assert.ok(script.includes('IMDSX_SECRETS=0'));
    assert.deepEqual(versionRootDirectories().sort(), ['dynamic', 'meta-data']);
    assert.ok(secretPathPatterns().some((p) => new RegExp(p).test('/latest/meta-data/iam/security-credentials/MyRole')));
    assert.ok(!secretPathPatterns().some((p) => new RegExp(p).test('/latest/meta-data/iam/info')));
    assert.ok(script.length < 30_000, `the script is ${script.length} characters`);
  });

  it('parses in dash and bash, and its python walker compiles', async (t) => {
    const script = buildShellSnapshotScript({ documentId: ID });
    for (const shell of ['dash', 'bash']) {
      const path = findSystemTool(shell);
      if (!path) {
        t.diagnostic(`${shell} not installed; not checked`);
        continue;
      }
      await run(path, ['-n', '-c', script]);
    }
    const python = findSystemTool('python3');
    if (!python) return t.skip('python3 is not installed on this machine');
    const dir = mkdtempSync(join(tmpdir(), 'ssm-py-'));
    try {
      writeFileSync(join(dir, 'walker.py'), PYTHON_WALKER);
      await run(python, ['-m', 'py_compile', join(dir, 'walker.py')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the PowerShell script has no backtick or ${ that could break quoting, and carries its parameters', () => {
    const script = buildPowerShellSnapshotScript({ documentId: ID, imdsEndpoint: 'http://127.0.0.1:1338', root: '/latest/dynamic/' });
    assert.ok(!script.includes('`') && !script.includes('${'));
    assert.ok(script.includes(`$ImdsxEndpoint = 'http://127.0.0.1:1338'`));
    assert.ok(script.includes(`$ImdsxRoot = '/latest/dynamic/'`));
    assert.ok(script.includes(`$ImdsxRootDirs = @('meta-data', 'dynamic')`) || script.includes(`$ImdsxRootDirs = @('dynamic', 'meta-data')`));
    assert.match(buildPowerShellChunkScript(ID, 2, 3), /Substring\(\$start, \$length\)/);
  });

  it('the PowerShell script parses in PowerShell', async (t) => {
    const script = buildPowerShellSnapshotScript({ documentId: ID });
    const pwsh = findSystemTool('pwsh');
    if (!pwsh) return t.skip('pwsh (PowerShell) is not installed here: the Windows script is checked for structure only');
    await run(pwsh, ['-NoProfile', '-Command', `$null = [System.Management.Automation.Language.Parser]::ParseInput(@'\n${script}\n'@, [ref]$null, [ref]$errors); if ($errors) { exit 1 }`]);
  });
});

describe('snapshot script run directly against the emulator', () => {
  let emulator: Emulator;
  let temp: string;

  before(async () => {
    emulator = await startEmulator({});
    temp = mkdtempSync(join(tmpdir(), 'ssm-script-'));
  });
  after(async () => {
    await emulator.close();
    rmSync(temp, { recursive: true, force: true });
  });

  const sh = async (script: string) => (await run('/bin/sh', ['-c', script], { env: { PATH: AGENT_PATH, TMPDIR: temp }, maxBuffer: 1 << 24 })).stdout;

  it('splits a long document into parts that chunk scripts print, and verifies they form the whole', async () => {
    emulator.setUserData(randomBytes(6000));
    const first = parseDocumentPart(await sh(buildShellSnapshotScript({ documentId: ID, imdsEndpoint: emulator.url, chunkSize: 1000 })));
    assert.ok(first.parts >= 8, `${first.parts} parts`);
    assert.equal(first.text.length, 1000);
    assert.ok(existsSync(join(temp, `imds-explorer-${ID}.b64`)), 'the whole document is kept for the chunk scripts');
    const parts: DocumentPart[] = [first];
    for (let n = 2; n <= first.parts; n++) parts.push(parseDocumentPart(await sh(buildShellChunkScript(ID, n, first.parts, 1000))));
    const walk = decodeDocument(assembleDocument(parts.reverse()));
    const client = new ImdsClient({ endpoint: emulator.url, env: {} });
    try {
      const direct = await client.snapshot();
      assert.deepEqual(replayWalk(walk, { source: 'x', root: '/latest/', showSecrets: false }).snapshot.entries, direct.entries);
    } finally {
      await client.close();
    }
    await sh(buildShellCleanupScript(ID));
    assert.ok(!readdirSync(temp).some((name) => name.startsWith('imds-explorer')), 'cleanup leaves nothing behind');
    await assert.rejects(sh(buildShellChunkScript(ID, 2, first.parts, 1000)), (error: Error & { code?: number; stderr?: string }) => {
      assert.equal(error.code, 5);
      assert.match(error.stderr ?? '', /no longer on this instance/);
      return true;
    });
    emulator.setUserData(undefined);
  });

  it('prints nothing but the document on stdout, and a short document is not kept', async () => {
    const out = await sh(buildShellSnapshotScript({ documentId: ID, imdsEndpoint: emulator.url }));
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^IMDSX-SSM 1 part=1\/1 total=\d+ sha256=[0-9a-f]{64} id=0123456789abcdef$/);
    assert.equal(lines[2], 'IMDSX-SSM-END');
    assert.ok(!readdirSync(temp).some((name) => name.startsWith('imds-explorer')));
  });
});

describe('document parts and their checks', () => {
  const doc = gzipSync(Buffer.from('IMDSX-RECORDS 1\nP endpoint=http://169.254.169.254 root=/latest/\nM tool=curl mode=v1 requests=1 token_requests=1 elapsed_ms=5\n'
    + `R 200 1 b:${Buffer.from('ami-id\nfoo/\n').toString('base64')} /latest/meta-data/\nR 200 1 b:${Buffer.from('ami-1').toString('base64')} /latest/meta-data/ami-id\n`)).toString('base64');
  const sha = createHash('sha256').update(doc).digest('hex');
  const half = Math.ceil(doc.length / 2);
  const part1 = `IMDSX-SSM 1 part=1/2 total=${doc.length} sha256=${sha} id=${ID}\n${doc.slice(0, half)}\nIMDSX-SSM-END\n`;
  const part2 = `IMDSX-SSM 1 part=2/2 id=${ID}\n${doc.slice(half)}\nIMDSX-SSM-END\n`;

  it('assembles parts in any order and decodes the records', () => {
    const walk = decodeDocument(assembleDocument([parseDocumentPart(part2), parseDocumentPart(part1)]));
    assert.equal(walk.tool, 'curl');
    assert.equal(walk.mode, 'v1');
    assert.equal(walk.records.get('/latest/meta-data/ami-id')?.body?.toString(), 'ami-1');
  });

  it('says when the output holds no document, another format, or was cut by SSM', () => {
    assert.throws(() => parseDocumentPart('bash: python3: command not found\n'), (e: Error) => e instanceof DocumentError && /no snapshot document.*command not found/.test(e.message));
    assert.throws(() => parseDocumentPart(part1.replace('IMDSX-SSM 1 ', 'IMDSX-SSM 2 ')), /format 2; this version reads format 1/);
    const cut = part1.slice(0, part1.indexOf('\nIMDSX-SSM-END') - 5) + '--output truncated--';
    assert.throws(() => parseDocumentPart(cut), /SSM cut the output at its 24,000-character limit/);
  });

  it('refuses parts that do not form the whole: missing, foreign, short, or failing the checksum', () => {
    assert.throws(() => assembleDocument([parseDocumentPart(part1)]), /Part 2 of 2 .* is missing/);
    assert.throws(() => assembleDocument([parseDocumentPart(part1), parseDocumentPart(part2.replace(ID, 'ffffffffffffffff'))]), /belongs to another document/);
    const shorter = part2.replace(doc.slice(half), doc.slice(half, -4));
    assert.throws(() => assembleDocument([parseDocumentPart(part1), parseDocumentPart(shorter)]), /a part was cut or lost/);
    const flipped = doc.slice(half).replace(/[A-Za-z]/, (c) => (c === 'A' ? 'B' : 'A'));
    assert.throws(() => assembleDocument([parseDocumentPart(part1), parseDocumentPart(part2.replace(doc.slice(half), flipped))]), /fails its sha256 check/);
  });

  it('checks a cksum (POSIX CRC) when sha256sum is missing, the same way cksum(1) computes it', async () => {
    const { stdout } = await run('/bin/sh', ['-c', `printf %s '${doc}' | cksum`]);
    assert.equal(posixCksum(Buffer.from(doc)), stdout.split(' ')[0]);
    const withCksum = `IMDSX-SSM 1 part=1/1 total=${doc.length} cksum=${posixCksum(Buffer.from(doc))} id=${ID}\n${doc}\nIMDSX-SSM-END\n`;
    assert.equal(assembleDocument([parseDocumentPart(withCksum)]), doc);
  });

  it('replay reports listed paths the walk did not record, instead of dropping them', () => {
    const walk = decodeDocument(doc);
    const replay = replayWalk(walk, { source: 'x', root: '/latest/meta-data/', showSecrets: false });
    assert.deepEqual(replay.missing, ['/latest/meta-data/foo/']);
    assert.deepEqual(replay.snapshot.entries.map((e) => e.path), ['/latest/meta-data/', '/latest/meta-data/ami-id']);
  });
});

describe('polling schedule', () => {
  it('starts at 150 ms, stays within 250 ms for the first seconds, then backs off', () => {
    assert.equal(pollDelayMs(0, 0), 150);
    assert.ok(pollDelayMs(10, 3000) <= 250);
    assert.equal(pollDelayMs(30, 10_000), 500);
    assert.equal(pollDelayMs(60, 30_000), 1000);
    assert.equal(pollDelayMs(90, 120_000), 2000);
  });
});
