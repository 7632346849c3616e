// The emulator under sustained load: 64 concurrent keep-alive clients for 30 s (IMDS_SOAK_SECONDS
// overrides), IMDSv2 tokens, a mix of leaves, listings and credentials. No errors, and no growth:
// the heap after the run (after GC) stays within a small margin of the heap before it.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Pool } from 'undici';
import { startEmulator, type Emulator } from '../../../src/emulator/server';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const SECONDS = Number(process.env.IMDS_SOAK_SECONDS ?? 30);
const CLIENTS = 64;
const PATHS = [
  '/latest/meta-data/instance-id',
  '/latest/meta-data/',
  '/latest/meta-data/placement/availability-zone',
  '/latest/dynamic/instance-identity/document',
  '/latest/meta-data/iam/security-credentials/',
  '/latest/meta-data/network/interfaces/macs/',
  '/latest/user-data',
];

describe(`emulator soak: ${CLIENTS} concurrent clients for ${SECONDS} s`, () => {
  let emulator: Emulator;
  let pool: Pool;
  before(async () => {
    emulator = await startEmulator({ imdsv2: 'required' });
    pool = new Pool(emulator.url, { connections: CLIENTS, pipelining: 1 });
  });
  after(async () => {
    await pool.close();
    await emulator.close();
  });

  it('answers every request without error and does not grow', async () => {
    const tokenRes = await pool.request({ method: 'PUT', path: '/latest/api/token', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' } });
    const token = await tokenRes.body.text();
    assert.equal(tokenRes.statusCode, 200);

    // Warm up (JIT, route tables, sockets) before the baseline.
    const run = async (ms: number) => {
      const deadline = Date.now() + ms;
      let ok = 0;
      const bad: string[] = [];
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, client) => {
          for (let i = client; Date.now() < deadline; i++) {
            const path = PATHS[i % PATHS.length];
            try {
              const res = await pool.request({ method: 'GET', path, headers: { 'x-aws-ec2-metadata-token': token } });
              await res.body.dump();
              if (res.statusCode === 200) ok++;
              else if (bad.length < 10) bad.push(`${path} → ${res.statusCode}`);
            } catch (err) {
              if (bad.length < 10) bad.push(`${path} → ${(err as Error).message}`);
            }
          }
        }),
      );
      return { ok, bad };
    };
    await run(1000);
    const baseline = heapAfterGc();
    const { ok, bad } = await run(SECONDS * 1000);
    const grown = heapAfterGc() - baseline;

    assert.deepEqual(bad, [], 'every request answered 200');
    assert.ok(ok > CLIENTS * SECONDS, `a real load ran (${ok} requests)`);
    // Per-request state (tokens, stats, held responses) must not accumulate: allow 16 MiB of noise.
    assert.ok(grown < 16 * 2 ** 20, `heap grew by ${(grown / 2 ** 20).toFixed(1)} MiB over ${ok} requests`);
    console.log(`soak: ${ok} requests in ${SECONDS} s (${Math.round(ok / SECONDS)}/s), heap change ${(grown / 2 ** 20).toFixed(2)} MiB`);
  });
});
