// The emulator/direct MetadataSource and EC2 detection, against the real emulator.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { ImdsClient } from '../../../src/imds/client';
import { detectEc2, readDmiEvidence } from '../../../src/sources/detectEc2';
import { ImdsSource } from '../../../src/sources/imdsSource';
import { closedPort } from './brokenPeers';

let emu: Emulator;
const dir = mkdtempSync(path.join(tmpdir(), 'imds-dmi-'));
before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

function dmi(name: string, files: Record<string, string>): string {
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(d, file), content + '\n');
  return d;
}

describe('ImdsSource', () => {
  it('lists, reads and snapshots through its client, and says how it reaches IMDS', async () => {
    const source = new ImdsSource({ kind: 'emulator', endpoint: emu.url, env: {} });
    try {
      assert.equal(source.kind, 'emulator');
      assert.equal(source.id, `emulator:${emu.url}`);
      assert.equal(source.label, `Emulator ${emu.url}`);
      assert.deepEqual(source.state(), { imdsMode: 'unknown', endpoint: emu.url, versionPolicy: 'auto', disabled: false });
      const entries = await source.list('/latest/meta-data/placement/');
      assert.deepEqual(entries.map((e) => e.name), ['availability-zone', 'availability-zone-id', 'region']);
      assert.equal((await source.get('/latest/meta-data/placement/region')).text, 'us-east-1');
      const snap = await source.snapshot({ root: '/latest/meta-data/placement/' });
      assert.equal(snap.source, `emulator ${emu.url}`);
      assert.equal(snap.entries.length, 4);
      source.refresh();
      assert.equal(source.state().imdsMode, 'v2');
    } finally {
      await source.dispose();
    }
    await assert.rejects(source.get('/latest/meta-data/ami-id'), /closed/);
  });

  it('leaves a client it was given open', async () => {
    const client = new ImdsClient({ endpoint: emu.url, env: {} });
    const source = new ImdsSource({ kind: 'direct', client, label: 'This instance' });
    await source.dispose();
    assert.equal((await client.get('/latest/meta-data/instance-id')).text, 'i-0123456789abcdef0');
    assert.equal(source.label, 'This instance');
    await client.close();
  });
});

describe('detectEc2', () => {
  it('recognises a Nitro instance from board_asset_tag and sys_vendor', async () => {
    const result = await readDmiEvidence({ dmiDir: dmi('nitro', { board_asset_tag: 'i-0123456789abcdef0', sys_vendor: 'Amazon EC2', product_name: 't3.micro' }), hypervisorUuidFile: path.join(dir, 'none') });
    assert.ok(result.onEc2);
    assert.equal(result.instanceId, 'i-0123456789abcdef0');
    assert.deepEqual(result.evidence, ['board_asset_tag is the instance ID i-0123456789abcdef0', 'sys_vendor is "Amazon EC2"', 'product_name is "t3.micro"']);
  });

  it('recognises a Xen instance from product_uuid or the hypervisor UUID', async () => {
    const xen = await readDmiEvidence({ dmiDir: dmi('xen', { product_uuid: 'EC2E1916-9099-7CAF-FD21-012345678901', sys_vendor: 'Xen' }), hypervisorUuidFile: path.join(dir, 'none') });
    assert.ok(xen.onEc2);
    assert.deepEqual(xen.evidence, ['product_uuid starts with "ec2"']);
    writeFileSync(path.join(dir, 'hv-uuid'), 'ec2e1916-9099-7caf-fd21-012345678901\n');
    const hv = await readDmiEvidence({ dmiDir: dmi('xen-unreadable', {}), hypervisorUuidFile: path.join(dir, 'hv-uuid') });
    assert.ok(hv.onEc2);
  });

  it('says no for other machines (a laptop, another cloud, no DMI at all)', async () => {
    const laptop = await readDmiEvidence({ dmiDir: dmi('laptop', { sys_vendor: 'LENOVO', board_asset_tag: 'Not Available', product_uuid: '4c4c4544-0042-3510-8052-b4c04f4e3732' }), hypervisorUuidFile: path.join(dir, 'none') });
    assert.deepEqual(laptop, { onEc2: false, evidence: [], instanceId: undefined });
    const gce = await readDmiEvidence({ dmiDir: dmi('gce', { sys_vendor: 'Google', board_asset_tag: 'i-am-not-an-instance-id' }), hypervisorUuidFile: path.join(dir, 'none') });
    assert.equal(gce.onEc2, false);
    const none = await readDmiEvidence({ dmiDir: path.join(dir, 'missing'), hypervisorUuidFile: path.join(dir, 'none') });
    assert.equal(none.onEc2, false);
  });

  it('confirms with a quick probe when asked, and reports silence as unreachable', async () => {
    const empty = dmi('empty', {});
    const found = await detectEc2({ dmiDir: empty, hypervisorUuidFile: path.join(dir, 'none'), probe: true, endpoint: emu.url });
    assert.ok(found.onEc2);
    assert.equal(found.instanceId, 'i-0123456789abcdef0');
    assert.equal(found.probe!.reachable, true);
    const port = await closedPort();
    const lost = await detectEc2({ dmiDir: empty, hypervisorUuidFile: path.join(dir, 'none'), probe: true, endpoint: `http://127.0.0.1:${port}`, timeoutMs: 300 });
    assert.equal(lost.onEc2, false);
    assert.equal(lost.probe!.reachable, false);
    assert.match(lost.probe!.error!, /ECONNREFUSED/);
  });

  it('counts any HTTP answer from IMDS (e.g. 403: turned off) as being on EC2', async () => {
    const off = await startEmulator({ enabled: false });
    try {
      const result = await detectEc2({ dmiDir: dmi('off', {}), hypervisorUuidFile: path.join(dir, 'none'), probe: true, endpoint: off.url });
      assert.ok(result.onEc2);
      assert.match(result.evidence.join(), /answered 403/);
    } finally {
      await off.close();
    }
  });
});
