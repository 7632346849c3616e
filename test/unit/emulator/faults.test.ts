// Fault injection: added latency, a fraction of 503s, throttling beyond N requests per second, and
// the hop limit (a token PUT "from a container" never gets an answer while IMDSv1 GETs still work).
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { connect } from 'node:net';
import { defaultInstance, startEmulator, type Emulator } from '../../../src/emulator/server';
import { request } from './http';

const LEAF = '/latest/meta-data/instance-id';
const putToken = (emu: Emulator, options: { headers?: Record<string, string>; localAddress?: string; timeoutMs?: number } = {}) =>
  request(emu.url, '/latest/api/token', {
    method: 'PUT',
    headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60', ...options.headers },
    localAddress: options.localAddress,
    timeoutMs: options.timeoutMs ?? 5000,
  });

/** Whether this machine can send from 127.0.0.2 (Linux routes all of 127/8 to lo). */
function canBind127002(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe('emulator faults', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator();
  });
  after(() => emu.close());

  it('adds latency: no answer comes before it', async () => {
    emu.setFaults({ latencyMs: 300 });
    try {
      const started = Date.now();
      const res = await request(emu.url, LEAF);
      assert.equal(res.status, 200);
      assert.ok(Date.now() - started >= 290, `answered after ${Date.now() - started} ms`);
      const early = await request(emu.url, LEAF, { timeoutMs: 100 });
      assert.equal(early.status, 0, 'an answer came before the latency passed');
    } finally {
      emu.setFaults({ latencyMs: 0 });
    }
  });

  it('answers 503 to the configured fraction of requests', async () => {
    emu.setFaults({ errorRate: 1 });
    for (let i = 0; i < 20; i++) assert.equal((await request(emu.url, LEAF)).status, 503);
    assert.match((await request(emu.url, LEAF)).text, /503 - Service Unavailable/);
    emu.setFaults({ errorRate: 0.5 });
    let failures = 0;
    const N = 400;
    for (let i = 0; i < N; i++) if ((await request(emu.url, LEAF)).status === 503) failures++;
    // Binomial(400, 0.5): 100..300 holds with probability 1 - 1e-23.
    assert.ok(failures > 100 && failures < 300, `${failures} of ${N} failed`);
    emu.setFaults({ errorRate: 0 });
    for (let i = 0; i < 20; i++) assert.equal((await request(emu.url, LEAF)).status, 200);
  });

  it('throttles beyond N requests per second with 429 (or the configured status)', async () => {
    emu.setFaults({ throttleRps: 5 });
    const answers = await Promise.all(Array.from({ length: 30 }, () => request(emu.url, LEAF)));
    const ok = answers.filter((a) => a.status === 200).length;
    const throttled = answers.filter((a) => a.status === 429).length;
    assert.equal(ok + throttled, 30);
    // At most two one-second windows can be touched by a burst: 5 to 10 answered.
    assert.ok(ok >= 5 && ok <= 10, `${ok} answered`);
    emu.setFaults({ throttleStatus: 503 });
    const more = await Promise.all(Array.from({ length: 30 }, () => request(emu.url, LEAF)));
    assert.ok(more.some((a) => a.status === 503));
    assert.ok(!more.some((a) => a.status === 429));
    emu.setFaults({ throttleRps: 0, throttleStatus: 429 });
    const free = await Promise.all(Array.from({ length: 30 }, () => request(emu.url, LEAF)));
    assert.ok(free.every((a) => a.status === 200));
  });

  it('hop limit: a token PUT marked as 2 hops away never answers, IMDSv1 GETs still work, and hop limit 2 lets it through', async () => {
    const hops = { 'X-Imds-Emulator-Hops': '2' };
    const dropped = await putToken(emu, { headers: hops, timeoutMs: 700 });
    assert.equal(dropped.status, 0, 'the PUT got an answer through 2 hops with hop limit 1');
    const v1 = await request(emu.url, LEAF, { headers: hops });
    assert.equal(v1.text, defaultInstance.instanceId);
    assert.equal((await putToken(emu, { headers: { 'X-Imds-Emulator-Hops': '1' } })).status, 200);
    assert.equal((await putToken(emu)).status, 200);
    emu.setFaults({ hopLimit: 2 });
    assert.equal((await putToken(emu, { headers: hops })).status, 200);
    assert.equal((await putToken(emu, { headers: { 'X-Imds-Emulator-Hops': '3' }, timeoutMs: 700 })).status, 0);
    emu.setFaults({ hopLimit: 1 });
  });

  it('hop limit: a custom hop header name works', async () => {
    emu.setFaults({ hopHeader: 'X-Container-Hops' });
    try {
      assert.equal((await putToken(emu, { headers: { 'X-Container-Hops': '2' }, timeoutMs: 700 })).status, 0);
      assert.equal((await putToken(emu, { headers: { 'X-Imds-Emulator-Hops': '2' } })).status, 200, 'the old header name no longer counts');
    } finally {
      emu.setFaults({ hopHeader: 'x-imds-emulator-hops' });
    }
  });

  it('hop limit: requests from a listed source address count as coming from a container', async (t) => {
    if (!(await canBind127002(emu.port))) return t.skip('cannot send from 127.0.0.2 on this machine (127/8 is not all loopback here)');
    emu.setFaults({ containerSources: ['127.0.0.2'] });
    try {
      assert.equal((await putToken(emu, { localAddress: '127.0.0.2', timeoutMs: 700 })).status, 0);
      assert.equal((await putToken(emu, { localAddress: '127.0.0.1' })).status, 200);
      const v1 = await request(emu.url, LEAF, { localAddress: '127.0.0.2' });
      assert.equal(v1.status, 200);
      emu.setFaults({ containerSources: ['127.0.0.2/31'] });
      assert.equal((await putToken(emu, { localAddress: '127.0.0.2', timeoutMs: 700 })).status, 0, 'a CIDR covers the source');
      assert.equal((await putToken(emu, { localAddress: '127.0.0.1' })).status, 200, 'outside the CIDR');
    } finally {
      emu.setFaults({ containerSources: [] });
    }
  });

  it('rejects unknown faults and bad values, naming them', () => {
    assert.throws(() => emu.setFaults({ latency: 5 } as never), /Unknown fault "latency"/);
    assert.throws(() => emu.setFaults({ errorRate: 2 }), /"errorRate"/);
    assert.throws(() => emu.setFaults({ hopLimit: 0 }), /"hopLimit".*1\.\.64/);
    assert.throws(() => emu.setFaults({ throttleRps: -1 }), /"throttleRps"/);
    assert.throws(() => emu.setFaults({ latencyMs: Number.NaN }), /"latencyMs"/);
    assert.throws(() => emu.setFaults({ containerSources: ['container-1'] }), /"containerSources" has "container-1"/);
    assert.throws(() => emu.setFaults({ containerSources: ['10.0.0.0/40'] }), /"containerSources"/);
    assert.equal(emu.faults.errorRate, 0);
  });
});

describe('emulator faults: closing with answers still held', () => {
  it('closes promptly while token PUTs are being dropped and answers are delayed', async () => {
    const emu = await startEmulator({ latencyMs: 60_000 });
    const pending = [
      request(emu.url, LEAF, { timeoutMs: 30_000 }).catch(() => undefined),
      request(emu.url, '/latest/api/token', { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60', 'X-Imds-Emulator-Hops': '5' }, timeoutMs: 30_000 }).catch(() => undefined),
    ];
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await emu.close();
    await Promise.all(pending);
    assert.ok(Date.now() - started < 10_000, 'close waited for held answers');
  });
});
