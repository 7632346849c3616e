// A corpus of hostile AEMM configs (issue #14): Object.prototype names as keys, wrong types, deep
// nesting, names that can never be served, out-of-range durations. Each gets its own message that
// names the key, and the CLI exits 2, the documented code for config errors, through a real file.
import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseAemmConfig } from '../../../src/emulator/aemmConfig';
import { startEmulator } from '../../../src/emulator/server';
import { runCli } from './emulatorCli';

const dir = mkdtempSync(path.join(tmpdir(), 'imds-config-corpus-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Deep enough to overflow any recursive walk (JSON.stringify included: it used to print
// "Maximum call stack size exceeded"). Built as text: JSON.parse is iterative, stringify is not.
const DEEP = 10_000;
const nested = (depth: number) => '{"a": '.repeat(depth) + '"leaf"' + '}'.repeat(depth);

/** [name, config JSON text, the key the message must name, what it must say]. */
const corpus: [string, string, string, RegExp][] = [
  ['__proto__ in metadata.values', '{"metadata": {"values": {"__proto__": "x"}}}', 'metadata.values.__proto__', /is not a known key/],
  ['constructor in metadata.values', '{"metadata": {"values": {"constructor": "x"}}}', 'metadata.values.constructor', /is not a known key/],
  ['toString in metadata.paths', '{"metadata": {"paths": {"toString": "/latest/meta-data/x"}}}', 'metadata.paths.toString', /is not a known key/],
  ['hasOwnProperty in dynamic.values', '{"dynamic": {"values": {"hasOwnProperty": "x"}}}', 'dynamic.values.hasOwnProperty', /is not a known key/],
  ['toString as a top-level key', '{"toString": 1}', 'toString', /is not a known key/],
  ['scenario option code=toString', '{"emulator": {"scenario": "scheduled-events", "scenarioOptions": {"code": "toString"}}}', 'emulator.scenarioOptions.code', /must be one of instance-reboot/],
  ['__proto__ as a scenario option', '{"emulator": {"scenario": "spot-interruption", "scenarioOptions": {"__proto__": {"delaySeconds": 1}}}}', 'emulator.scenarioOptions.__proto__', /Unknown scenario option "__proto__"/],
  ['hopHeader a number', '{"emulator": {"faults": {"hopHeader": 123}}}', 'emulator.faults.hopHeader', /must be an HTTP header name/],
  ['hopHeader a protocol header', '{"emulator": {"faults": {"hopHeader": "X-aws-ec2-metadata-token"}}}', 'emulator.faults.hopHeader', /names a header the protocol itself uses/],
  ['errorRate true', '{"emulator": {"faults": {"errorRate": true}}}', 'emulator.faults.errorRate', /must be a number between 0 and 1/],
  ['latencyMs past a timer', '{"emulator": {"faults": {"latencyMs": 3000000000}}}', 'emulator.faults.latencyMs', /0\.\.2147483647/],
  ['throttleRps a string', '{"emulator": {"faults": {"throttleRps": "10"}}}', 'emulator.faults.throttleRps', /must be a whole number/],
  ['containerSources a string', '{"emulator": {"faults": {"containerSources": "127.0.0.2"}}}', 'emulator.faults.containerSources', /must be a list/],
  ['credentials.ttlSeconds huge', '{"emulator": {"credentials": {"ttlSeconds": 10000000000000}}}', 'emulator.credentials.ttlSeconds', /1\.\.2147483/],
  ['noticeSeconds huge', '{"emulator": {"scenario": "spot-interruption", "scenarioOptions": {"noticeSeconds": 1e20}}}', 'emulator.scenarioOptions.noticeSeconds', /0\.\.2147483/],
  ['infoAfterSeconds huge', '{"emulator": {"scenario": "iam-role-attach", "scenarioOptions": {"infoAfterSeconds": 1e20}}}', 'emulator.scenarioOptions.infoAfterSeconds', /0\.\.2147483/],
  ['mock-delay-sec huge', '{"spot": {"action": "stop"}, "mock-delay-sec": 1e20}', 'mock-delay-sec', /0\.\.2147483/],
  ['targetState an object', '{"emulator": {"scenario": "asg-lifecycle", "scenarioOptions": {"targetState": {}}}}', 'emulator.scenarioOptions.targetState', /printable ASCII text/],
  ['value key with a space', '{"emulator": {"values": {"/latest/meta-data/a b": "x"}}}', 'emulator.values./latest/meta-data/a b', /a space cannot be requested/],
  ['value key with ?', '{"emulator": {"values": {"/latest/meta-data/a?b": "x"}}}', 'emulator.values./latest/meta-data/a?b', /"\?" \(it starts a query\)/],
  ['value key with #', '{"emulator": {"values": {"/latest/meta-data/a#b": "x"}}}', 'emulator.values./latest/meta-data/a#b', /"#" \(it starts a fragment\)/],
  ['value key with NUL', '{"emulator": {"values": {"/latest/meta-data/a\\u0000b": "x"}}}', 'emulator.values./latest/meta-data/a\\u0000b', /a NUL cannot be requested/],
  ['value key with a newline', '{"emulator": {"values": {"/latest/meta-data/a\\nb": "x"}}}', 'emulator.values./latest/meta-data/a\\nb', /a newline cannot be requested/],
  ['metadata path with a space', '{"metadata": {"paths": {"custom": "/latest/meta-data/my key"}, "values": {"custom": "x"}}}', 'metadata.paths.custom', /a space cannot be requested/],
  ['tag name with a newline', '{"emulator": {"tags": {"a\\nb": "x"}}}', 'emulator.tags.a\\nb', /a newline cannot be requested/],
  ['tag name with a space', '{"emulator": {"tags": {"my tag": "x"}}}', 'emulator.tags.my tag', /a space cannot be requested/],
  ['values under a value (a conflict)', '{"emulator": {"values": {"/latest/meta-data/ami-id/x": "y"}}}', 'emulator.values./latest/meta-data/ami-id/x', /"meta-data\/ami-id" is a value/],
  ['values not an object', '{"emulator": {"values": [1, 2]}}', 'emulator.values', /must be an object of URL path/],
  ['deep nesting in a value', `{"emulator": {"values": {"/latest/meta-data/deep": ${nested(DEEP)}}}}`, 'emulator.values./latest/meta-data/deep.a.a', /nested more than 32 levels deep/],
  ['deep nesting at an unknown key', `{"junk": ${nested(DEEP)}}`, 'junk.a.a', /nested more than 32 levels deep/],
];

describe('config corpus: each bad config names its key; the CLI exits 2', () => {
  for (const [name, text, key, message] of corpus) {
    it(name, async () => {
      // In-process, as the extension loads a config object.
      let caught: unknown;
      try {
        // Strict: unknown keys (prototype names among them) are warnings by default, as AEMM ignores them.
        const resolved = parseAemmConfig(JSON.parse(text), 'corpus.json', Date.now(), { strict: true });
        // Some problems (a path conflict) only show when the tree is built.
        const emulator = await startEmulator({ port: 0, config: JSON.parse(text), strictConfig: true });
        await emulator.close();
        assert.fail(`accepted: ${JSON.stringify(resolved.operations.map((o) => o.kind))}`);
      } catch (err) {
        caught = err;
      }
      const error = caught as Error & { keys?: string[] };
      assert.equal(error.name, 'AemmConfigError', `${error.name}: ${error.message}`);
      // Keys are matched without regard to case, as AEMM (viper) reads them, and named in lower case.
      assert.ok(error.keys?.some((k) => k.toLowerCase().startsWith(key.toLowerCase())), `keys ${JSON.stringify(error.keys)} name ${key}`);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /is not a function|Maximum call stack|setValue\(|undefined/);
      // Through the CLI, from a file: exit code 2 and the same message.
      const file = path.join(dir, `${name.replace(/\W+/g, '-')}.json`);
      writeFileSync(file, text);
      const { code, stderr } = await runCli(['--config', file, '--strict-config', '--port', '0']);
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
    });
  }

  it('without --strict-config, prototype names as unknown keys are one warning each, never a crash', () => {
    for (const text of ['{"metadata": {"values": {"__proto__": "x"}}}', '{"metadata": {"paths": {"toString": "/x"}}}', '{"toString": 1}']) {
      const resolved = parseAemmConfig(JSON.parse(text), 'corpus.json');
      assert.equal(resolved.warnings.length, 1, JSON.stringify(resolved.warnings));
      assert.match(resolved.warnings[0], /corpus\.json/);
      assert.match(resolved.warnings[0], /__proto__|tostring/i);
    }
  });

  it('a config of ordinary keys still loads (the corpus refuses only what is wrong)', async () => {
    const emulator = await startEmulator({ port: 0, config: { emulator: { tags: { 'team:name': 'x', 'a.b-c_d': 'y' }, values: { '/latest/meta-data/custom/key=1': 'v' }, faults: { hopHeader: 'X-Test-Hops', errorRate: 0 } } } });
    try {
      assert.equal(emulator.getValue('/latest/meta-data/tags/instance/team:name')?.toString(), 'x');
      assert.equal(emulator.getValue('/latest/meta-data/custom/key=1')?.toString(), 'v');
    } finally {
      await emulator.close();
    }
  });
});
