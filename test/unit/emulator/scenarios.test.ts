// Scenarios over real sockets: each one's answers, timelines that switch over time, and runtime
// switching between scenarios (back to a plain instance).
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { defaultInstance, scenarioNames, startEmulator, type Emulator } from '../../../src/emulator/server';
import { eventually, request } from './http';

const md = (emu: Emulator, path: string) => request(emu.url, `/latest/meta-data/${path}`);
const status = async (emu: Emulator, path: string) => (await md(emu, path)).status;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('emulator scenarios', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator();
  });
  after(() => emu.close());

  it('starts as a plain on-demand instance with no notices', async () => {
    assert.equal(emu.scenario.name, 'none');
    assert.equal((await md(emu, 'instance-life-cycle')).text, 'on-demand');
    assert.equal(await status(emu, 'spot/instance-action'), 404);
    assert.equal(await status(emu, 'events/recommendations/rebalance'), 404);
    assert.equal(await status(emu, 'autoscaling/target-lifecycle-state'), 404);
  });

  it('spot-interruption: 404 until the notice, then instance-action and termination-time ~2 minutes ahead', async () => {
    emu.setScenario('spot-interruption', { delaySeconds: 1.5 });
    assert.equal((await md(emu, 'instance-life-cycle')).text, 'spot');
    assert.equal(await status(emu, 'spot/instance-action'), 404);
    assert.match(emu.scenario.description, /notice in \d+ s/);
    assert.ok(await eventually(async () => (await status(emu, 'spot/instance-action')) === 200, 10_000));
    const action = JSON.parse((await md(emu, 'spot/instance-action')).text);
    assert.equal(action.action, 'terminate');
    assert.match(action.time, RFC3339);
    const ahead = Date.parse(action.time) - Date.now();
    assert.ok(ahead > 60_000 && ahead <= 121_000, `action time ${ahead} ms ahead`);
    assert.equal((await md(emu, 'spot/termination-time')).text, action.time);
    assert.ok((await md(emu, '')).text.split('\n').includes('spot/'));
  });

  it('spot-interruption with action stop and a fixed time has no termination-time', async () => {
    emu.setScenario('spot-interruption', { action: 'stop', time: '2030-01-07T01:03:47Z' });
    assert.equal((await md(emu, 'spot/instance-action')).text, '{"action":"stop","time":"2030-01-07T01:03:47Z"}');
    assert.equal(await status(emu, 'spot/termination-time'), 404);
  });

  it('rebalance: a recommendation with noticeTime appears', async () => {
    emu.setScenario('rebalance');
    const rec = JSON.parse((await md(emu, 'events/recommendations/rebalance')).text);
    assert.match(rec.noticeTime, RFC3339);
    assert.ok((await md(emu, 'events/')).text.split('\n').includes('recommendations/'));
    assert.equal(await status(emu, 'spot/instance-action'), 404, 'switching scenario removes the spot notice');
  });

  it('scheduled-events: a maintenance event in the scheduled list, or in history once completed', async () => {
    emu.setScenario('scheduled-events', { code: 'instance-stop' });
    const [event] = JSON.parse((await md(emu, 'events/maintenance/scheduled')).text);
    assert.equal(event.Code, 'instance-stop');
    assert.equal(event.State, 'active');
    assert.match(event.EventId, /^instance-event-[0-9a-f]{17}$/);
    assert.match(event.NotBefore, /^\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    assert.ok(Date.parse(event.NotAfter) > Date.parse(event.NotBefore));
    emu.setScenario('scheduled-events', { state: 'completed' });
    assert.equal((await md(emu, 'events/maintenance/scheduled')).text, '[]');
    assert.equal(JSON.parse((await md(emu, 'events/maintenance/history')).text)[0].State, 'completed');
  });

  it('asg-lifecycle: InService, then Terminated after the delay', async () => {
    emu.setScenario('asg-lifecycle', { delaySeconds: 1 });
    assert.equal((await md(emu, 'autoscaling/target-lifecycle-state')).text, 'InService');
    assert.ok(await eventually(async () => (await md(emu, 'autoscaling/target-lifecycle-state')).text === 'Terminated', 10_000));
  });

  it('iam-role-attach: no role, then role info without credentials, then credentials', async () => {
    emu.setScenario('iam-role-attach', { infoAfterSeconds: 1, credentialsAfterSeconds: 2 });
    const phases: string[] = [];
    const observe = async () => {
      const iam = await status(emu, 'iam/');
      const info = await status(emu, 'iam/info');
      const creds = await status(emu, `iam/security-credentials/${defaultInstance.roleName}`);
      const phase = iam === 404 ? 'no-role' : info === 200 && creds === 404 ? 'info-only' : info === 200 && creds === 200 ? 'credentials' : `odd ${iam}/${info}/${creds}`;
      if (phases[phases.length - 1] !== phase) phases.push(phase);
      return phase === 'credentials';
    };
    assert.ok(await eventually(observe, 15_000, 50));
    assert.deepEqual(phases, ['no-role', 'info-only', 'credentials']);
    const info = JSON.parse((await md(emu, 'iam/info')).text);
    const creds = JSON.parse((await md(emu, `iam/security-credentials/${defaultInstance.roleName}`)).text);
    // The role was attached just now: both say so.
    assert.ok(Date.now() - Date.parse(info.LastUpdated) < 60_000);
    assert.ok(Date.parse(creds.LastUpdated) >= Date.parse(info.LastUpdated));
    assert.ok(Date.parse(creds.Expiration) > Date.now());
  });

  it('switches back to none: the role and a plain instance return', async () => {
    emu.setScenario('none');
    assert.equal(emu.scenario.name, 'none');
    assert.equal(await status(emu, `iam/security-credentials/${defaultInstance.roleName}`), 200);
    assert.equal((await md(emu, 'instance-life-cycle')).text, 'on-demand');
  });

  it('rejects unknown scenarios and options with errors naming them', () => {
    assert.throws(() => emu.setScenario('meteor-strike'), /Unknown scenario "meteor-strike".*iam-role-attach/);
    assert.throws(() => emu.setScenario('spot-interruption', { acton: 'stop' }), /Unknown scenario option "acton"/);
    assert.throws(() => emu.setScenario('spot-interruption', { action: 'explode' }), /"action"/);
    assert.throws(() => emu.setScenario('spot-interruption', { delaySeconds: -1 }), /"delaySeconds"/);
    assert.throws(() => emu.setScenario('spot-interruption', { time: 'tomorrow' }), /"time".*RFC 3339/);
    assert.equal(emu.scenario.name, 'none', 'a rejected scenario leaves the current one in place');
    assert.deepEqual([...scenarioNames].sort(), ['asg-lifecycle', 'iam-role-attach', 'none', 'rebalance', 'scheduled-events', 'spot-interruption']);
  });
});

describe('emulator scenario from start options', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator({ scenario: 'spot-interruption', scenarioOptions: { action: 'hibernate' } });
  });
  after(() => emu.close());

  it('serves the scenario from the first request', async () => {
    assert.equal(JSON.parse((await md(emu, 'spot/instance-action')).text).action, 'hibernate');
  });
});
