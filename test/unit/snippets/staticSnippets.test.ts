// The contributed static snippets: files up to date with the generators, declared in package.json,
// valid VS Code snippet syntax (every literal `$` escaped), and, once expanded with their defaults,
// the same text as the generated snippets; the shell ones are run against the emulator.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import {
  bashImdsFunction,
  bashImdsV2,
  bashImdsV2Token,
  buildStaticSnippets,
  powershellImdsV2,
  staticSnippetsFile,
  type StaticSnippetLanguage,
} from '../../../src/snippets';
import { closedLoopbackPort, runSnippet, snippetEnv } from './runSnippet';
import { scanPowerShell } from './powershellLexer';

const root = path.resolve(__dirname, '../../..');
const LANGUAGES: StaticSnippetLanguage[] = ['shellscript', 'powershell'];

/**
 * Expands a VS Code snippet body the way the editor does when the user accepts every default:
 * `${1:default}` becomes its default, `\$ \} \\` their character. Any other `$` (a variable or
 * a tab stop we did not mean) is reported, because VS Code would not insert it literally.
 */
function expand(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\' && '$}\\'.includes(body[i + 1] ?? '')) {
      out += body[++i];
    } else if (c === '$') {
      const stop = /^\$\{1:((?:[^}\\]|\\.)*)\}/.exec(body.slice(i));
      if (!stop) throw new Error(`unescaped $ at ${i}: ${JSON.stringify(body.slice(i, i + 20))}`);
      out += stop[1].replace(/\\(.)/g, '$1');
      i += stop[0].length - 1;
    } else {
      out += c;
    }
  }
  return out;
}

function committed(language: StaticSnippetLanguage): Record<string, { prefix: string; description: string; body: string[] }> {
  return JSON.parse(readFileSync(path.join(root, 'snippets', `${language}.json`), 'utf8'));
}

function byPrefix(language: StaticSnippetLanguage, prefix: string): string {
  const entry = Object.values(committed(language)).find((s) => s.prefix === prefix);
  assert.ok(entry, `${language} snippet ${prefix}`);
  return expand(entry.body.join('\n')) + '\n';
}

describe('static snippets (contributes.snippets)', () => {
  for (const language of LANGUAGES) {
    it(`snippets/${language}.json is what the generators produce (regenerate: npx tsx test/unit/snippets/writeStaticSnippets.ts)`, () => {
      assert.equal(readFileSync(path.join(root, 'snippets', `${language}.json`), 'utf8'), staticSnippetsFile(language));
    });

    it(`${language}: every body is valid snippet syntax with unique imds- prefixes`, () => {
      const snippets = buildStaticSnippets(language);
      const prefixes = Object.values(snippets).map((s) => s.prefix);
      assert.equal(new Set(prefixes).size, prefixes.length);
      for (const [name, snippet] of Object.entries(snippets)) {
        assert.match(snippet.prefix, /^imds-[a-z0-9-]+$/, name);
        assert.ok(snippet.description.length > 10, name);
        assert.doesNotThrow(() => expand(snippet.body.join('\n')), name);
      }
      assert.ok(prefixes.includes('imds-token') && prefixes.includes('imds-get'));
    });
  }

  it('package.json contributes both files for their languages', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    const contributed: { language: string; path: string }[] = manifest.contributes.snippets;
    for (const language of LANGUAGES) {
      assert.ok(contributed.some((s) => s.language === language && path.normalize(s.path) === path.normalize(`./snippets/${language}.json`)), language);
    }
  });

  it('expanded with their defaults they equal the generated snippets', () => {
    const defaultPath = '/latest/meta-data/instance-id';
    assert.equal(byPrefix('shellscript', 'imds-token'), bashImdsV2Token());
    assert.equal(byPrefix('shellscript', 'imds-get'), bashImdsV2(defaultPath));
    assert.equal(byPrefix('shellscript', 'imds-function'), bashImdsFunction(defaultPath));
    assert.equal(byPrefix('powershell', 'imds-get'), powershellImdsV2(defaultPath));
    for (const s of Object.values(committed('powershell'))) assert.deepEqual(scanPowerShell(expand(s.body.join('\n'))).problems, [], s.prefix);
  });
});

describe('static shell snippets run against the emulator (IMDSv2 required)', () => {
  let emulator: Emulator;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    emulator = await startEmulator({ imdsv2: 'required' });
    env = snippetEnv(await closedLoopbackPort());
  });
  after(() => emulator?.close());

  // The static snippets name the real endpoint; point them at the emulator.
  const atEmulator = (text: string) => text.split("'http://169.254.169.254'").join(`'${emulator.url}'`);

  for (const prefix of ['imds-get', 'imds-function', 'imds-get-container']) {
    it(`${prefix} prints the value of its default path`, async () => {
      const result = await runSnippet('bash', atEmulator(byPrefix('shellscript', prefix)), env);
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(result.stdout, emulator.getValue('/latest/meta-data/instance-id'));
    });
  }

  it('imds-token leaves a working token in IMDS_TOKEN', async () => {
    const read = `curl -fsS --noproxy '*' -H "X-aws-ec2-metadata-token: $IMDS_TOKEN" "$IMDS_ENDPOINT/latest/meta-data/instance-type"\n`;
    const script = atEmulator(byPrefix('shellscript', 'imds-token')) + read;
    const result = await runSnippet('bash', script, env);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.stdout, emulator.getValue('/latest/meta-data/instance-type'));
  });
});
