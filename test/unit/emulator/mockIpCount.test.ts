// AEMM's mock-ip-count: only the first N distinct client addresses see Spot, rebalance, event and
// ASG notices; later addresses get 404 there (AEMM's answer for the nodes of a cluster beyond N),
// and everything else as usual. Loopback aliases are distinct clients: all of 127/8 is loopback on
// Linux, so a socket bound to 127.0.0.2 needs no configuration.
import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { request } from './http';

const SPOT = '/latest/meta-data/spot/instance-action';
const EVENTS = '/latest/meta-data/events/maintenance/scheduled';
const emulators: Emulator[] = [];
after(() => Promise.all(emulators.map((e) => e.close())));

/** Spot (with rebalance) and scheduled events on from the start, as AEMM's root command serves them. */
async function noticeEmulator(mockIpCount?: number, config: Record<string, unknown> = {}): Promise<Emulator> {
  const emu = await startEmulator({ config: { spot: {}, events: {}, 'rebalance-delay-sec': 0, ...config }, mockIpCount });
  emulators.push(emu);
  return emu;
}

const status = async (emu: Emulator, path: string, from: string) => (await request(emu.url, path, { localAddress: from })).status;

describe('mock-ip-count', () => {
  it('0: no address sees notices; the rest of the tree answers as usual', async () => {
    const emu = await noticeEmulator(0);
    for (const from of ['127.0.0.1', '127.0.0.2']) {
      assert.equal(await status(emu, SPOT, from), 404, from);
      assert.equal(await status(emu, EVENTS, from), 404, from);
      assert.equal(await status(emu, '/latest/meta-data/instance-id', from), 200, from);
      assert.equal(await status(emu, '/latest/meta-data/', from), 200, from);
    }
  });

  it('1: the first address keeps the notices, a second one gets 404; each notice kind counts apart, as in AEMM', async () => {
    const emu = await noticeEmulator(1);
    assert.equal(await status(emu, SPOT, '127.0.0.2'), 200);
    assert.equal(await status(emu, SPOT, '127.0.0.3'), 404);
    assert.equal(await status(emu, `${SPOT}/`, '127.0.0.3'), 404, 'with a trailing slash too');
    assert.equal(await status(emu, '/latest/meta-data/spot/termination-time', '127.0.0.3'), 404);
    assert.equal(await status(emu, '/latest/meta-data/events/recommendations/rebalance', '127.0.0.3'), 404, 'rebalance is part of the spot mock');
    assert.equal(await status(emu, SPOT, '127.0.0.2'), 200, 'the first address still sees it');
    // Scheduled events are their own mock in AEMM, with their own count.
    assert.equal(await status(emu, EVENTS, '127.0.0.3'), 200);
    assert.equal(await status(emu, EVENTS, '127.0.0.2'), 404);
    assert.equal(await status(emu, '/latest/meta-data/instance-id', '127.0.0.3'), 200);
  });

  it('2: two addresses see notices, a third does not', async () => {
    const emu = await noticeEmulator(2);
    assert.equal(await status(emu, SPOT, '127.0.0.2'), 200);
    assert.equal(await status(emu, SPOT, '127.0.0.3'), 200);
    assert.equal(await status(emu, SPOT, '127.0.0.4'), 404);
    assert.equal(await status(emu, SPOT, '127.0.0.2'), 200);
    assert.equal(await status(emu, SPOT, '127.0.0.3'), 200);
  });

  it('unset or negative: every address sees notices (the emulator default)', async () => {
    for (const count of [undefined, -1]) {
      const emu = await noticeEmulator(count);
      assert.equal(emu.mockIpCount, undefined);
      for (const from of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) assert.equal(await status(emu, SPOT, from), 200, `${count} ${from}`);
    }
  });

  it('comes from the config key too; the option wins over it', async () => {
    const fromConfig = await noticeEmulator(undefined, { 'mock-ip-count': 1 });
    assert.equal(fromConfig.mockIpCount, 1);
    assert.equal(await status(fromConfig, SPOT, '127.0.0.2'), 200);
    assert.equal(await status(fromConfig, SPOT, '127.0.0.3'), 404);
    const overridden = await noticeEmulator(-1, { 'mock-ip-count': 1 });
    assert.equal(await status(overridden, SPOT, '127.0.0.2'), 200);
    assert.equal(await status(overridden, SPOT, '127.0.0.3'), 200);
  });

  it('a notice that is not posted yet is 404 for everyone, eligible or not', async () => {
    const emu = await noticeEmulator(1, { 'mock-delay-sec': 3600, 'rebalance-delay-sec': 3600 });
    assert.equal(await status(emu, SPOT, '127.0.0.2'), 404);
    assert.equal(await status(emu, SPOT, '127.0.0.3'), 404);
  });
});
