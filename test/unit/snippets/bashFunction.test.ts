// The reusable `imds_get PATH` bash function: token caching (also across $(...) after priming),
// a fresh token and one retry when the token is rejected, and clean failures.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { bashImdsFunction } from '../../../src/snippets';
import { closedLoopbackPort, runSnippet, snippetEnv } from './runSnippet';

const INSTANCE_ID = '/latest/meta-data/instance-id';

describe('bash function imds_get', () => {
  let emulator: Emulator;
  let env: NodeJS.ProcessEnv;
  let functionOnly: string;

  before(async () => {
    emulator = await startEmulator({ imdsv2: 'required' });
    env = snippetEnv(await closedLoopbackPort());
    // The generated text ends with an example call; keep only the definitions for custom scripts.
    const full = bashImdsFunction(INSTANCE_ID, { endpoint: emulator.url });
    functionOnly = full.slice(0, full.lastIndexOf('imds_get \''));
  });
  after(() => emulator?.close());

  const value = (path: string) => emulator.getValue(path)!.toString('utf8');

  it('priming with imds_token lets $(imds_get ...) subshells share one token', async () => {
    emulator.stats.reset();
    const script = `${functionOnly}
imds_token || exit 1
a="$(imds_get meta-data/instance-id)" || exit 1
b="$(imds_get /latest/meta-data/instance-type)" || exit 1
c="$(imds_get meta-data/placement/region)" || exit 1
printf '%s|%s|%s' "$a" "$b" "$c"
`;
    const result = await runSnippet('bash', script, env);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.toString(), [value('meta-data/instance-id'), value('meta-data/instance-type'), value('meta-data/placement/region')].join('|'));
    assert.equal(emulator.stats.tokenPuts, 1);
  });

  it('direct calls in the main shell cache the token', async () => {
    emulator.stats.reset();
    const result = await runSnippet('bash', `${functionOnly}imds_get meta-data/instance-id; echo; imds_get meta-data/instance-type; echo\n`, env);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.toString(), `${value('meta-data/instance-id')}\n${value('meta-data/instance-type')}\n`);
    assert.equal(emulator.stats.tokenPuts, 1);
  });

  it('a rejected token (401) is replaced and the read retried once', async () => {
    emulator.stats.reset();
    const script = `${functionOnly}imds_get meta-data/instance-id >/dev/null || exit 1
IMDS_TOKEN='revoked-token'   # as if the token had expired or been revoked
imds_get meta-data/instance-type
`;
    const result = await runSnippet('bash', script, env);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.toString(), value('meta-data/instance-type'));
    assert.equal(emulator.stats.tokenPuts, 2);
    assert.match(result.stderr, /401/, 'curl reported the 401 it recovered from');
  });

  it('a missing path returns non-zero with a message and prints nothing', async () => {
    const result = await runSnippet('bash', `${functionOnly}imds_get meta-data/no-such-thing; echo "status=$?" >&2\n`, env);
    assert.equal(result.stdout.length, 0);
    assert.match(result.stderr, /imds_get: reading \/latest\/meta-data\/no-such-thing failed \(curl exit 22\)/);
    assert.match(result.stderr, /status=22/);
  });

  it('works under `set -euo pipefail`, and a failure stops the script', async () => {
    const ok = await runSnippet('bash', `set -euo pipefail\n${bashImdsFunction(INSTANCE_ID, { endpoint: emulator.url })}`, env);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.toString(), value('meta-data/instance-id'));
    const failing = await runSnippet('bash', `set -euo pipefail\n${functionOnly}imds_get meta-data/no-such-thing\necho unreachable\n`, env);
    assert.notEqual(failing.status, 0);
    assert.equal(failing.stdout.length, 0);
  });

  it('usage errors return 2', async () => {
    const result = await runSnippet('bash', `${functionOnly}imds_get; echo "status=$?"\n`, env);
    assert.equal(result.stdout.toString(), 'status=2\n');
    assert.match(result.stderr, /usage: imds_get PATH/);
  });

  it('IMDS disabled: imds_token fails with a message, imds_get returns 1', async () => {
    const disabled = await startEmulator({ enabled: false });
    try {
      const full = bashImdsFunction(INSTANCE_ID, { endpoint: disabled.url });
      const result = await runSnippet('bash', full, env);
      assert.equal(result.status, 1);
      assert.equal(result.stdout.length, 0);
      assert.match(result.stderr, /imds_token: IMDSv2 token request to http:\/\/127\.0\.0\.1:\d+ failed/);
    } finally {
      await disabled.close();
    }
  });
});
