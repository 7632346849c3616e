// Hostile paths (quotes, $(...), backticks, newlines, template and f-string syntax) must stay data:
// each snippet still reads exactly that path, and nothing in it runs as code. The canary commands
// inside the paths would create files if any interpreter executed them.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { bashSingleQuote, imdsRequestPath, jsStringLiteral, pythonStringLiteral, snippetKinds } from '../../../src/snippets';
import { closedLoopbackPort, interpreterFor, runSnippet, snippetEnv, unavailableReason } from './runSnippet';

const canaryDir = mkdtempSync(path.join(tmpdir(), 'imds-canary-'));
const canary = (name: string) => path.join(canaryDir, name);

/**
 * Paths under tags/instance/ as a tag key could look if someone crafted it. `$IFS` stands for a
 * space in the shell canaries: spaces are percent-encoded on the way, `$IFS` is not.
 */
function hostilePaths(): string[] {
  const base = '/latest/meta-data/tags/instance/';
  return [
    `${base}it's$(touch$IFS${canary('dollar-paren')})`,
    `${base}';touch$IFS${canary('single-quote')};echo$IFS'`,
    `${base}\`touch ${canary('backtick')}\``,
    `${base}line1\ntouch ${canary('newline')}\n#`,
    `${base}"; touch ${canary('double-quote')}; "`,
    `${base}\${require("fs").writeFileSync(${JSON.stringify(canary('template'))},"")}`,
    `${base}{__import__("os").system("touch ${canary('fstring')}")}"""\\`,
    `${base}$(Set-Content -Path ${canary('powershell')} -Value x)\u2019; x`,
    `${base}back\\slash%zz%41{a,b}[1-2]\u2028\u00e9\u{1F600}`,
  ];
}

const runnableKinds = snippetKinds.filter((kind) => kind.protocol !== 'rules' && interpreterFor(kind.languageId));

describe('hostile paths stay data in every runnable snippet', () => {
  let v2Only: Emulator;
  let v1Allowed: Emulator;
  let env: NodeJS.ProcessEnv;
  const values = new Map<string, string>();

  before(async () => {
    v2Only = await startEmulator({ imdsv2: 'required' });
    v1Allowed = await startEmulator({ imdsv2: 'optional' });
    env = snippetEnv(await closedLoopbackPort());
    // The emulator matches the request target literally, so the value sits at the wire path.
    hostilePaths().forEach((hostile, i) => {
      const value = `value-${i}`;
      values.set(hostile, value);
      for (const emulator of [v2Only, v1Allowed]) emulator.setValue(imdsRequestPath(hostile), value);
    });
  });
  after(async () => {
    await Promise.all([v2Only?.close(), v1Allowed?.close()]);
    rmSync(canaryDir, { recursive: true, force: true });
  });

  it('the wire path has no whitespace or control characters and keeps valid %XX escapes', () => {
    for (const hostile of hostilePaths()) {
      const wire = imdsRequestPath(hostile);
      assert.doesNotMatch(wire, /[\s\u0000-\u001f\u007f-\uffff`"\\{}[\]]/, wire);
    }
    assert.equal(imdsRequestPath('/a%41%zz'), '/a%41%25zz');
    assert.equal(imdsRequestPath('meta-data/x y'), '/latest/meta-data/x%20y');
    assert.equal(imdsRequestPath('/\u{1F600}'), '/%F0%9F%98%80');
  });

  for (const kind of runnableKinds) {
    const interpreter = interpreterFor(kind.languageId)!;
    it(`${kind.id} reads each hostile path literally and runs none of it`, async (t) => {
      const missing = unavailableReason(interpreter);
      if (missing) return t.skip(missing);
      const emulator = kind.protocol === 'v1' ? v1Allowed : v2Only;
      for (const hostile of hostilePaths()) {
        const source = kind.generate(hostile, { endpoint: emulator.url });
        const result = await runSnippet(interpreter, source, env);
        assert.equal(result.status, 0, `${JSON.stringify(hostile)}: ${result.stderr}`);
        assert.equal(result.stdout.toString(), values.get(hostile), JSON.stringify(hostile));
      }
      assert.deepEqual(readdirSync(canaryDir), [], 'no canary command ran');
    });
  }
});

// The quoting functions themselves, round-tripped through the real interpreters.
const NASTY = [
  '',
  "it's",
  "'''",
  '$(touch /nonexistent/x) `id` ${HOME} $HOME',
  'line1\nline2\r\n\ttab',
  '"double" \\back\\slash\\',
  '\u2018typographic\u2019 \u201a\u201b',
  '\u00e9\u4e2d\u{1F600}\u2028\u2029\u0000x'.replace('\u0000', ''), // bash strings cannot hold NUL
  '!history !! ^caret #hash ;semi &amp |pipe >gt <lt *star ?q [br] {a,b} ~tilde',
];

describe('literal quoting round-trips through the interpreters', () => {
  let env: NodeJS.ProcessEnv;
  before(async () => {
    env = snippetEnv(await closedLoopbackPort(), { PYTHONIOENCODING: 'utf-8' });
  });

  it('bashSingleQuote', async () => {
    for (const text of NASTY) {
      const result = await runSnippet('bash', `printf '%s' ${bashSingleQuote(text)}\n`, env);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout.toString(), text);
    }
  });

  it('pythonStringLiteral', async (t) => {
    const missing = unavailableReason('python');
    if (missing) return t.skip(missing);
    for (const text of [...NASTY, 'nul\u0000byte', '{f-string} """triple"""']) {
      const source = `import sys\nsys.stdout.buffer.write(${pythonStringLiteral(text)}.encode("utf-8"))\n`;
      assert.match(pythonStringLiteral(text), /^[\x20-\x7e]*$/, 'ASCII-only literal');
      const result = await runSnippet('python', source, env);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout.toString(), text);
    }
  });

  it('jsStringLiteral', async () => {
    for (const text of [...NASTY, 'nul\u0000byte', '${template} `tick`']) {
      const result = await runSnippet('node', `process.stdout.write(${jsStringLiteral(text)});\n`, env);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout.toString(), text);
    }
  });

  it('no canary file appeared', () => {
    assert.equal(existsSync(canaryDir) ? readdirSync(canaryDir).length : 0, 0);
  });
});
