// The doctor's checks of the HTTP exchange, each against a real emulator in the state it diagnoses:
// IMDSv2 optional and required, IMDSv1 only (a front that refuses the PUT), IMDS turned off,
// the hop limit too low (the emulator's simulation), throttling, and nothing listening at all.
import { after, beforeEach, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Emulator } from '../../../src/emulator/server';
import { check, doctorOn, emptyHome, emulatorAndHome, joined, startV1OnlyFront } from './helpers';

const ID = 'i-0123456789abcdef0';

describe('doctor: transport checks against the emulator', () => {
  let emulator: Emulator;
  const home = emulatorAndHome({}, (started) => (emulator = started));
  beforeEach(() => {
    emulator.setImdsv2('optional');
    emulator.setEnabled(true);
    emulator.setFaults({ containerSources: [], throttleRps: 0, errorRate: 0, hopLimit: 1 });
  });

  it('IMDSv2 optional: token works, IMDSv1 allowed is a warning with the command that requires tokens', async () => {
    const report = await doctorOn(emulator.url, home.dir);
    const reach = check(report, 'reach-ipv4');
    assert.equal(reach.status, 'pass');
    assert.match(reach.summary, /first byte after [\d.]+ ms/);
    assert.match(reach.evidence[0], /GET http:\/\/127\.0\.0\.1:\d+\/latest\/meta-data\/ \(no token\) → 200, first byte [\d.]+ ms/);
    assert.equal(check(report, 'reach-ipv6').status, 'skip', 'a single IPv4 endpoint leaves IPv6 unprobed');
    assert.equal(check(report, 'imds-enabled').status, 'pass');
    const token = check(report, 'imdsv2-token');
    assert.equal(token.status, 'pass');
    assert.ok(token.evidence.some((line) => /^PUT \/latest\/api\/token → 200/.test(line)));
    assert.ok(token.evidence.some((line) => /^GET \/latest\/meta-data\/ \(with token\) → 200/.test(line)), 'the token was tried on a GET');
    const v1 = check(report, 'imdsv1');
    assert.equal(v1.status, 'warn');
    assert.match(v1.summary, /IMDSv1 is allowed/);
    assert.deepEqual(v1.commands, [`aws ec2 modify-instance-metadata-options --instance-id ${ID} --http-tokens required`]);
    assert.equal(check(report, 'hop-limit').status, 'pass');
    assert.equal(report.verdict, 'warn');
    assert.equal(report.instanceId, ID);
    // Every exchange is logged, none with a body.
    assert.ok(report.exchanges.length > 5);
    for (const e of report.exchanges) assert.equal(Object.keys(e).includes('body'), false);
  });

  it('IMDSv2 required: a tokenless GET answers 401, reported as "v2 required", and reads go on with the token', async () => {
    emulator.setImdsv2('required');
    const report = await doctorOn(emulator.url, home.dir);
    const v1 = check(report, 'imdsv1');
    assert.equal(v1.status, 'pass');
    assert.match(v1.summary, /IMDSv2 is required: a GET without a token answers 401/);
    assert.match(v1.evidence[0], /\(no token\) → 401/);
    assert.equal(check(report, 'reach-ipv4').status, 'pass', 'a 401 still proves the endpoint is reachable');
    assert.equal(check(report, 'imdsv2-token').status, 'pass');
    assert.equal(check(report, 'iam-credentials').status, 'pass', 'content checks read with the token');
    assert.equal(report.verdict, 'pass');
    assert.equal(report.counts.fail, 0);
  });

  for (const putStatus of [404, 405]) {
    it(`IMDSv1 only (the token PUT answers ${putStatus}): the token check fails, IMDSv1 carries the reads`, async () => {
      const front = await startV1OnlyFront(emulator.url, putStatus);
      try {
        const report = await doctorOn(front.url, home.dir, {}, 'endpoint');
        assert.ok(front.puts >= 1, 'the doctor tried the token PUT');
        const token = check(report, 'imdsv2-token');
        assert.equal(token.status, 'fail');
        assert.match(token.summary, new RegExp(`offers no IMDSv2 tokens \\(the PUT answered ${putStatus}\\): only IMDSv1 works`));
        assert.ok(token.evidence.some((line) => line.startsWith(`PUT /latest/api/token → ${putStatus}`)));
        const v1 = check(report, 'imdsv1');
        assert.equal(v1.status, 'warn');
        assert.match(v1.summary, /Only IMDSv1 works from here/);
        assert.equal(check(report, 'hop-limit').status, 'pass', 'an answered PUT is not a hop-limit problem');
        assert.equal(check(report, 'iam-credentials').status, 'pass', 'content read tokenless');
        assert.ok(report.exchanges.filter((e) => e.method === 'GET' && e.path.includes('iam')).every((e) => !e.withToken));
        assert.equal(report.verdict, 'fail');
      } finally {
        await front.close();
      }
    });
  }

  it('a token PUT refused with 403 while GETs work points at a proxy (X-Forwarded-For), not at IMDS being off', async () => {
    const front = await startV1OnlyFront(emulator.url, 403);
    try {
      const report = await doctorOn(front.url, home.dir, {}, 'endpoint');
      assert.equal(check(report, 'imds-enabled').status, 'pass');
      const token = check(report, 'imdsv2-token');
      assert.equal(token.status, 'fail');
      assert.match(token.summary, /refused \(403\) while GETs are answered: a proxy/);
      assert.match(joined(token), /NO_PROXY=169\.254\.169\.254/);
    } finally {
      await front.close();
    }
  });

  it('IMDS turned off: every request 403, the fix is --http-endpoint enabled, content checks are skipped with the reason', async () => {
    emulator.setEnabled(false);
    const report = await doctorOn(emulator.url, home.dir);
    const enabled = check(report, 'imds-enabled');
    assert.equal(enabled.status, 'fail');
    assert.match(enabled.summary, /IMDS is turned off/);
    assert.ok(enabled.evidence.some((line) => /GET .* → 403/.test(line)));
    assert.ok(enabled.evidence.some((line) => /PUT .* → 403/.test(line)));
    assert.ok(enabled.commands?.some((c) => c === 'aws ec2 modify-instance-metadata-options --instance-id <instance-id> --http-endpoint enabled'), 'the ID is unknown: a placeholder');
    for (const id of ['imdsv2-token', 'imdsv1', 'hop-limit'] as const) assert.equal(check(report, id).status, 'skip');
    for (const id of ['iam-role', 'user-data-size', 'spot-interruption'] as const) {
      assert.equal(check(report, id).status, 'skip');
      assert.match(check(report, id).summary, /IMDS is turned off/);
    }
    assert.equal(report.verdict, 'fail');
  });

  it('hop limit too low (the emulator sees this process as a container): PUT times out while GET answers → raise to 2', async () => {
    emulator.setFaults({ containerSources: ['127.0.0.1'], hopLimit: 1 });
    const report = await doctorOn(emulator.url, home.dir);
    const hop = check(report, 'hop-limit');
    assert.equal(hop.status, 'fail');
    assert.match(hop.summary, /Hop limit too low .* token PUT timed out after 500 ms while a GET without a token answered 200/);
    assert.ok(hop.evidence.some((line) => /^PUT \/latest\/api\/token → connected, but no answer after [\d.]+ ms/.test(line)));
    assert.ok(hop.commands?.includes(`aws ec2 modify-instance-metadata-options --instance-id ${ID} --http-put-response-hop-limit 2`));
    assert.deepEqual(hop.snippets, ['bash-imdsv2-container']);
    assert.equal(check(report, 'imdsv2-token').status, 'fail');
    assert.match(check(report, 'imdsv1').summary, /Only IMDSv1 works/);
    assert.equal(check(report, 'iam-role').status, 'pass', 'content still read through IMDSv1');
  });

  it('hop limit 2 lets the same "container" through', async () => {
    emulator.setFaults({ containerSources: ['127.0.0.1'], hopLimit: 2 });
    const report = await doctorOn(emulator.url, home.dir);
    assert.equal(check(report, 'hop-limit').status, 'pass');
    assert.equal(check(report, 'imdsv2-token').status, 'pass');
  });

  it('hop limit too low with IMDSv2 required: nothing can be read, and the report says why', async () => {
    emulator.setImdsv2('required');
    emulator.setFaults({ containerSources: ['127.0.0.1'], hopLimit: 1 });
    const report = await doctorOn(emulator.url, home.dir);
    const hop = check(report, 'hop-limit');
    assert.equal(hop.status, 'fail');
    assert.match(hop.summary, /GET without a token answered 401/);
    const iam = check(report, 'iam-role');
    assert.equal(iam.status, 'skip');
    assert.match(iam.summary, /no IMDSv2 token could be had and a GET without a token answered 401/);
  });

  it('throttling: with no retries allowed, 429s that stay throttled fail the check with the evidence', async () => {
    emulator.setFaults({ throttleRps: 1, throttleStatus: 429 });
    const report = await doctorOn(emulator.url, home.dir, { retries: 0 });
    const throttling = check(report, 'throttling');
    assert.equal(throttling.status, 'fail');
    assert.match(throttling.evidence[0], /^\d+ of \d+ answers were 429\/503 \(429 ×\d+\)/);
    assert.ok(throttling.evidence.some((line) => line.startsWith('gave up after retries:')));
    assert.ok(throttling.commands?.some((c) => c.includes('linklocal_allowance_exceeded')));
  });

  it('throttling with retries: 503s are seen and counted (warn, or fail when a read never got through)', async () => {
    emulator.setFaults({ throttleRps: 3, throttleStatus: 503 });
    const report = await doctorOn(emulator.url, home.dir);
    const throttling = check(report, 'throttling');
    assert.notEqual(throttling.status, 'pass');
    assert.ok(['warn', 'fail'].includes(throttling.status));
    assert.match(throttling.evidence[0], /503 ×\d+/);
    assert.match(joined(throttling), /503 means "retry later"/);
    assert.ok(report.exchanges.some((e) => e.status === 503));
  });

  it('no throttling seen: pass, with the count of answers', async () => {
    const report = await doctorOn(emulator.url, home.dir);
    const throttling = check(report, 'throttling');
    assert.equal(throttling.status, 'pass');
    assert.match(throttling.evidence[0], /^0 of \d+ answers were 429\/503/);
  });
});

describe('doctor: nothing listening', () => {
  const home = emptyHome();
  after(() => home.remove());

  it('a closed port fails reachability and skips everything that needs an answer', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const report = await doctorOn(`http://127.0.0.1:${port}`, home.dir, {}, 'endpoint');
    const reach = check(report, 'reach-ipv4');
    assert.equal(reach.status, 'fail');
    assert.match(reach.evidence[0], /connection refused/);
    for (const id of ['imds-enabled', 'imdsv2-token', 'iam-role', 'throttling'] as const) assert.equal(check(report, id).status, 'skip', id);
    assert.equal(report.exchanges.length, 1, 'one probe, no retries on a refused connection');
  });
});
