// A leaf asked with a trailing slash answers its value, byte for byte, as the real service does
// (botocore reads the Region from `placement/availability-zone/`, scripts ask for `instance-id/`)
// and as AWS's own mock does (it strips the slash). Both IMDSv2 modes, every kind of version root,
// and with a scenario and a fault on.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { defaultInstance, startEmulator, type Emulator } from '../../../src/emulator/server';
import { getToken, request, type Answer } from './http';

const LEAVES = [
  'meta-data/placement/availability-zone',
  'meta-data/placement/region',
  'meta-data/instance-id',
  'meta-data/spot/instance-action',
  'meta-data/spot/termination-time',
  'meta-data/public-keys/0/openssh-key',
  `meta-data/iam/security-credentials/${defaultInstance.roleName}`,
  'meta-data/iam/info',
  'dynamic/instance-identity/document',
  'dynamic/instance-identity/signature',
  'user-data',
];
const VERSIONS = ['latest', '2021-03-23', '1.0'];

/** Status, the headers a client reads, and the body: what "the same answer" means. */
function shape(answer: Answer): object {
  return {
    status: answer.status,
    type: answer.headers['content-type'],
    length: answer.headers['content-length'],
    body: answer.body.toString('base64'),
  };
}

for (const mode of ['optional', 'required'] as const) {
  describe(`emulator: leaves with a trailing slash, IMDSv2 ${mode}`, () => {
    let emu: Emulator;
    let headers: Record<string, string>;
    before(async () => {
      // A fixed action time keeps the spot notice the same from one request to the next.
      emu = await startEmulator({ imdsv2: mode, scenario: 'spot-interruption', scenarioOptions: { time: '2030-01-01T00:00:00Z' } });
      emu.setFaults({ latencyMs: 5 });
      headers = { 'X-aws-ec2-metadata-token': await getToken(emu.url) };
    });
    after(() => emu.close());

    for (const version of VERSIONS) {
      it(`/${version}/…/leaf/ answers what /${version}/…/leaf answers`, async () => {
        for (const leaf of LEAVES) {
          const plain = await request(emu.url, `/${version}/${leaf}`, { headers });
          const slashed = await request(emu.url, `/${version}/${leaf}/`, { headers });
          assert.equal(plain.status, 200, `/${version}/${leaf}`);
          assert.deepEqual(shape(slashed), shape(plain), `/${version}/${leaf}/`);
          if (leaf === 'meta-data/placement/availability-zone') assert.equal(slashed.text, defaultInstance.availabilityZone);
        }
      });
    }

    it('a directory lists the same with or without its slash; an unknown leaf stays 404 both ways', async () => {
      for (const dir of ['meta-data/placement', 'meta-data/spot', 'dynamic/instance-identity']) {
        assert.deepEqual(shape(await request(emu.url, `/latest/${dir}`, { headers })), shape(await request(emu.url, `/latest/${dir}/`, { headers })), dir);
      }
      for (const path of ['/latest/meta-data/no-such-leaf', '/latest/meta-data/no-such-leaf/', '/latest/meta-data/instance-id//x']) {
        assert.equal((await request(emu.url, path, { headers })).status, 404, path);
      }
    });

    it('IMDSv2 rules apply to the slashed path as to the plain one', async () => {
      const without = await request(emu.url, '/latest/meta-data/instance-id/');
      assert.equal(without.status, mode === 'required' ? 401 : 200);
      const bad = await request(emu.url, '/latest/meta-data/instance-id/', { headers: { 'X-aws-ec2-metadata-token': 'not-a-token' } });
      assert.equal(bad.status, 401);
    });

    it('a value set at runtime is served with a trailing slash too, and getValue accepts one', async () => {
      emu.setValue('/latest/meta-data/tags/instance/Team', 'platform');
      try {
        assert.equal((await request(emu.url, '/latest/meta-data/tags/instance/Team/', { headers })).text, 'platform');
        assert.equal(emu.getValue('/latest/meta-data/tags/instance/Team/')?.toString(), 'platform');
      } finally {
        emu.setValue('/latest/meta-data/tags/instance/Team', undefined);
      }
      assert.equal((await request(emu.url, '/latest/meta-data/tags/instance/Team/', { headers })).status, 404);
    });
  });
}
