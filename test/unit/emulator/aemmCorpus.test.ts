// Configs written for AEMM (amazon-ec2-metadata-mock) load as AEMM loads them: a corpus of our own
// AEMM-style files (every documented key, nested paths, AEMM's saved/defaults layout with its
// lower-cased keys, mixed case, a file shaped like AEMM's own end-to-end config, unknown keys at
// every level). Keys AEMM would ignore get one warning each naming the key and the file, and the
// server starts; strict refuses the same keys, naming each.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { AemmConfigError, resolveAemmConfig } from '../../../src/emulator/aemmConfig';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { getToken, request } from './http';

const corpus = (name: string) => path.join(__dirname, 'fixtures', 'aemm-corpus', name);

/** The keys AEMM loads and ignores, per file: each is one warning, and one refusal with strict. */
const IGNORED: Record<string, string[]> = {
  'every-documented-key.json': [],
  'nested-paths.json': [],
  'mixed-case.json': [],
  'integ-like.json': ['metadata.paths.ipv4-associations'],
  'saved-layout.json': ['metadata.paths.userdata'],
  'unknown-keys-everywhere.json': [
    'unknown-top',
    'metadata.extra-section',
    'metadata.paths.ipv4-associations',
    'metadata.paths.spot',
    'metadata.values.spot',
    'metadata.values.instance-idd',
    'metadata.values.iam-info.Colour',
    'dynamic.notes',
    'dynamic.paths.fws-monitoring',
    'dynamic.values.instance-identity-document.favouriteColour',
    'dynamic.values.unknown-dyn',
    'userdata.extra',
    'userdata.paths.other',
    'userdata.values.other',
    'spot.itn-time',
    'events.priority',
    'server.tls',
    'emulator.sceanrio',
    'emulator.credentials.ttl',
  ],
};

/** The config keys the "Ignored" warnings of a file name, in order. */
function ignoredKeys(warnings: readonly string[], file: string): string[] {
  return warnings
    .filter((w) => w.endsWith('Ignored (--strict-config refuses it).'))
    .map((w) => {
      assert.ok(w.startsWith(`${file}: "`), `the warning names the file: ${w}`);
      return /^[^"]*"([^"]+)"/.exec(w)![1];
    });
}

async function withEmulator(file: string, check: (emu: Emulator, get: (p: string) => Promise<string>) => Promise<void>): Promise<void> {
  // port 0: the files' own port (1338 in AEMM's layout) may be taken on a shared machine.
  const emu = await startEmulator({ config: corpus(file), port: 0 });
  try {
    const token = await getToken(emu.url);
    await check(emu, async (p) => {
      const answer = await request(emu.url, p, { headers: { 'X-aws-ec2-metadata-token': token } });
      assert.equal(answer.status, 200, p);
      return answer.text;
    });
  } finally {
    await emu.close();
  }
}

describe('AEMM-style config corpus', () => {
  for (const [file, keys] of Object.entries(IGNORED)) {
    it(`${file}: starts, one warning per ignored key naming it and the file; strict refuses exactly those`, async () => {
      await withEmulator(file, async (emu) => {
        assert.deepEqual(ignoredKeys(emu.warnings, corpus(file)), keys);
        assert.equal(new Set(emu.warnings).size, emu.warnings.length, 'no warning twice');
      });
      if (keys.length === 0) {
        await resolveAemmConfig(corpus(file), Date.now(), { strict: true });
        return;
      }
      await assert.rejects(resolveAemmConfig(corpus(file), Date.now(), { strict: true }), (err: unknown) => {
        assert.ok(err instanceof AemmConfigError);
        assert.deepEqual(err.keys, keys);
        for (const key of keys) assert.ok(err.message.includes(`"${key}"`), key);
        return true;
      });
    });
  }

  it('every documented key is served where the file says, with the placeholders rewritten', async () => {
    await withEmulator('every-documented-key.json', async (emu, get) => {
      assert.equal(emu.imdsv2, 'required');
      assert.equal(await get('/latest/meta-data/instance-id'), 'i-0c0ffee0c0ffee000');
      assert.equal(await get('/latest/meta-data/placement/region'), 'ap-southeast-2');
      assert.equal(await get('/latest/meta-data/network/interfaces/macs/0a:1b:2c:3d:4e:5f/vpc-id'), 'corpus-mac-vpc-id');
      assert.equal(await get('/latest/meta-data/tags/instance/Test'), 'corpus-tags-instance-test');
      assert.equal(JSON.parse(await get('/latest/meta-data/iam/info')).InstanceProfileId, 'AIPACORPUSEXAMPLE0001');
      assert.equal(JSON.parse(await get('/latest/meta-data/iam/security-credentials/corpus-role')).AccessKeyId, 'ASIACORPUSEXAMPLE001');
      assert.equal(JSON.parse(await get('/latest/dynamic/instance-identity/document')).accountId, '111122223333');
      assert.equal(await get('/latest/user-data'), '#cloud-config\nruncmd: [[echo, corpus]]\n');
      assert.equal(JSON.parse(await get('/latest/meta-data/spot/instance-action')).action, 'hibernate');
      assert.equal(JSON.parse(await get('/latest/meta-data/events/maintenance/scheduled'))[0].Code, 'instance-retirement');
      assert.equal(emu.mockIpCount, undefined, 'a negative mock-ip-count means no limit, as in AEMM');
    });
  });

  it("AEMM's saved layout: lower-cased fields served under their real names, user-data from its section", async () => {
    await withEmulator('saved-layout.json', async (emu, get) => {
      assert.equal(emu.host, '127.0.0.1', '0.0.0.0 from a file is not obeyed');
      assert.equal(emu.imdsv2, 'optional');
      assert.equal(emu.mockIpCount, 2);
      const info = JSON.parse(await get('/latest/meta-data/iam/info'));
      assert.equal(info.InstanceProfileArn, 'arn:aws:iam::111122223333:instance-profile/corpus-role');
      assert.equal(info.instanceprofilearn, undefined);
      const doc = JSON.parse(await get('/latest/dynamic/instance-identity/document'));
      assert.equal(doc.instanceType, 'c6g.large');
      assert.equal(await get('/latest/user-data'), '#cloud-config\n');
    });
  });

  it('keys in any case, as viper reads them; AEMM-typed strings ("true", "0") are taken', async () => {
    await withEmulator('mixed-case.json', async (emu, get) => {
      assert.equal(emu.imdsv2, 'required');
      assert.equal(await get('/latest/meta-data/instance-id'), 'i-0a1b2c3d4e5f60718');
      assert.equal(await get('/latest/meta-data/placement/region'), 'eu-north-1');
      assert.equal(JSON.parse(await get('/latest/meta-data/iam/info')).InstanceProfileId, 'AIPAMIXEDCASE0001');
      assert.equal(JSON.parse(await get('/latest/meta-data/spot/instance-action')).action, 'stop');
    });
  });

  it('nested and dated paths, moved leaves and new paths anywhere', async () => {
    await withEmulator('nested-paths.json', async (_emu, get) => {
      assert.equal(await get('/latest/meta-data/moved/deeper/still/instance-id/'), 'i-0123456789abcdef0');
      assert.equal(await get('/latest/meta-data/tags/instance/Project'), 'nested-corpus');
      assert.deepEqual(JSON.parse(await get('/latest/meta-data/corpus/a/b/c/extra')), { deep: { x: 1 } });
      assert.equal(await get('/latest/dynamic/corpus/value'), 'dynamic-extra');
      assert.match(await get('/2021-03-23/meta-data/network/interfaces/macs/0a:1b:2c:3d:4e:5f/vpc-id'), /^vpc-/);
    });
  });

  it("a file shaped like AEMM's own end-to-end config: the new mac and public IP everywhere", async () => {
    await withEmulator('integ-like.json', async (emu, get) => {
      assert.equal(await get('/latest/meta-data/mac'), '0a:1b:2c:3d:4e:77');
      assert.equal(await get('/latest/meta-data/network/interfaces/macs/0a:1b:2c:3d:4e:77/ipv4-associations/203.0.113.77'), emu.facts.privateIp);
      assert.equal(JSON.parse(await get('/latest/meta-data/spot/instance-action')).time, '2031-01-07T01:03:47Z');
      assert.equal(await get('/latest/user-data'), 'integ-like\n');
    });
  });
});
