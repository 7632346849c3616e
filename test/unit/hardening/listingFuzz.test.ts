// Fuzz of the listing parser: thousands of random and mutated bodies (seeded, reproducible). It
// never throws anything but an ImdsError, every entry it returns is a safe child of its parent,
// and memory stays bounded.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseListing, parseListingDetailed } from '../../../src/imds/paths';
import { isImdsError } from '../../../src/imds/errors';
import { mulberry32 as prng } from '../../fixtures/user-data/prng';

const PARENTS = ['/', '/latest/', '/latest/meta-data/', '/latest/meta-data/public-keys/', '/latest/meta-data/network/interfaces/macs/', '/2021-07-15/meta-data/'];
const SEEDS_PER_KIND = Number(process.env.IMDS_FUZZ_ITERATIONS ?? 2000);
const REAL = ['ami-id\nami-launch-index\nblock-device-mapping/\nhostname\niam/\n', '0=my-key\n1=other\n', 'dynamic\nmeta-data\nuser-data', '1.0\n2007-01-19\nlatest\n', '0e:12:34:56:78:9a/\n'];
const ALPHABET = ['a', 'z', '0', '9', '-', '_', '/', '=', '.', '..', '\n', '\r\n', ' ', '\t', '\x00', '\x7f', '\u00e9', '\ud83d\ude00', '<html>', '%2e', '\\', '"', "'", '$(', '`'];

function randomBody(rand: () => number): string | Buffer {
  const kind = Math.floor(rand() * 4);
  if (kind === 0) {
    // Random bytes: binary bodies of any length.
    return Buffer.from(Array.from({ length: Math.floor(rand() * 512) }, () => Math.floor(rand() * 256)));
  }
  if (kind === 1) {
    // Random tokens from an alphabet of troublemakers.
    return Array.from({ length: Math.floor(rand() * 200) }, () => ALPHABET[Math.floor(rand() * ALPHABET.length)]).join('');
  }
  // Mutations of real listings: insert, delete, duplicate or flip characters.
  let text = REAL[Math.floor(rand() * REAL.length)].repeat(1 + Math.floor(rand() * 3));
  for (let m = Math.floor(rand() * 8); m > 0; m--) {
    const at = Math.floor(rand() * (text.length + 1));
    const op = Math.floor(rand() * 3);
    if (op === 0) text = text.slice(0, at) + ALPHABET[Math.floor(rand() * ALPHABET.length)] + text.slice(at);
    else if (op === 1) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 5));
    else text = text.slice(0, at) + text.slice(at, at + 20) + text.slice(at);
  }
  if (kind === 3) text = text.repeat(1 + Math.floor(rand() * 50));
  return text;
}

describe(`listing parser fuzz (${SEEDS_PER_KIND * PARENTS.length} inputs)`, () => {
  it('never crashes, only returns children of the parent, and stays within memory', () => {
    const heapBefore = process.memoryUsage().heapUsed;
    let parsed = 0;
    let refused = 0;
    for (const parent of PARENTS) {
      for (let seed = 1; seed <= SEEDS_PER_KIND; seed++) {
        const body = randomBody(prng(seed * 7919 + parent.length));
        let entries;
        try {
          entries = parseListing(parent, body);
          parsed++;
        } catch (err) {
          assert.ok(isImdsError(err), `seed ${seed} under ${parent}: threw a non-ImdsError ${String(err)}`);
          assert.equal(err.code, 'Malformed');
          refused++;
          continue;
        }
        const detailed = parseListingDetailed(parent, body);
        assert.deepEqual(entries, detailed.entries);
        const names = new Set<string>();
        for (const e of entries) {
          assert.ok(e.path.startsWith(parent), `seed ${seed}: ${e.path} escapes ${parent}`);
          const rest = e.path.slice(parent.length);
          assert.ok(/^[^/]+\/?$/.test(rest), `seed ${seed}: ${JSON.stringify(e.path)} is not one level below ${parent}`);
          assert.ok(!/[\x00-\x1f\x7f]/.test(e.path), `seed ${seed}: control character in ${JSON.stringify(e.path)}`);
          assert.notEqual(rest.replace(/\/$/, ''), '..');
          assert.equal(e.isDirectory, e.path.endsWith('/'));
          assert.ok(!names.has(e.path), `seed ${seed}: duplicate ${e.path}`);
          names.add(e.path);
        }
      }
    }
    const grownMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    assert.ok(parsed > 100 && refused > 100, `both outcomes exercised (${parsed} parsed, ${refused} refused)`);
    assert.ok(grownMiB < 64, `heap grew ${grownMiB.toFixed(1)} MiB`);
  });
});
