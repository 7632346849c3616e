// `imds snapshot --json` against what cloud-init's EC2 crawler reads from the same emulator
// (Debian package cloud-init: /usr/lib/python3/dist-packages/cloudinit/sources/helpers/ec2.py,
// run with /usr/bin/python3). Path for path, and byte for byte for every value.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { main } from '../../../src/cli/imds';
import type { Snapshot } from '../../../src/imds/types';

const PYTHON = '/usr/bin/python3';
const HELPER = '/usr/lib/python3/dist-packages/cloudinit/sources/helpers/ec2.py';
let emu: Emulator;

before(async () => {
  emu = await startEmulator({ imdsv2: 'required' });
});
after(() => emu.close());

interface CloudInitRead {
  reads: Record<string, string>;
  metadataKeys: string[];
  identityKeys: string[];
  userdataBytes: number;
}

function cloudInitCrawl(endpoint: string): Promise<CloudInitRead> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [path.join(__dirname, 'cloudinitCrawl.py'), endpoint], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`cloud-init crawl failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as CloudInitRead);
    });
  });
}

async function imdsSnapshot(endpoint: string): Promise<Snapshot> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--endpoint', endpoint, 'snapshot', '--json'], { stdout: (d) => out.push(String(d)), stderr: (l) => err.push(l), env: {} });
  assert.equal(code, 0, err.join('\n'));
  return JSON.parse(out.join('')) as Snapshot;
}

// What cloud-init deliberately reads differently, from its source: it never materialises
// `security-credentials` (so neither role nor identity credentials are fetched), and it turns
// `public-keys/0=name` straight into `public-keys/0/openssh-key` without listing `public-keys/0/`.
function cloudInitSkips(p: string): boolean {
  return /\/security-credentials\//.test(p) || /\/public-keys\/\d+\/$/.test(p);
}

describe('imds snapshot --json vs cloud-init\'s EC2 crawler', () => {
  it('reads the same paths with the same bytes', async (t) => {
    if (!existsSync(PYTHON) || !existsSync(HELPER)) return t.skip(`cloud-init is not installed (${HELPER} missing): apt-get install cloud-init`);
    const [cloudInit, snapshot] = await Promise.all([cloudInitCrawl(emu.url), imdsSnapshot(emu.url)]);
    assert.ok(cloudInit.metadataKeys.includes('instance-id') && cloudInit.identityKeys.includes('document'), 'cloud-init read the tree');
    assert.ok(cloudInit.userdataBytes > 0);

    // cloud-init's URLs as IMDS paths; it asks for dynamic/instance-identity without its slash.
    const dirs = new Set(snapshot.entries.filter((e) => e.kind === 'dir').map((e) => e.path));
    const theirs = new Map<string, Buffer>();
    for (const [url, body] of Object.entries(cloudInit.reads)) {
      let p = new URL(url).pathname;
      if (!p.endsWith('/') && dirs.has(p + '/')) p += '/';
      theirs.set(p, Buffer.from(body, 'base64'));
    }

    // The subtrees cloud-init reads: all of meta-data, dynamic/instance-identity, user-data.
    const inScope = (p: string) => p.startsWith('/latest/meta-data/') || p.startsWith('/latest/dynamic/instance-identity/') || p === '/latest/user-data';
    const ours = snapshot.entries.filter((e) => inScope(e.path));
    assert.ok(ours.every((e) => e.kind !== 'error'), 'the snapshot read everything');

    const expected = ours.filter((e) => !cloudInitSkips(e.path)).map((e) => e.path).sort();
    assert.ok(expected.length > 50, `${expected.length} paths in scope`);
    assert.deepEqual([...theirs.keys()].sort(), expected, 'the same paths, apart from what cloud-init skips by design');
    assert.ok(ours.some((e) => cloudInitSkips(e.path)), 'the skip rule is not vacuous');

    for (const entry of ours) {
      const body = theirs.get(entry.path);
      if (!body || entry.kind !== 'value') continue;
      const mine = entry.encoding === 'base64' ? Buffer.from(entry.value!, 'base64') : Buffer.from(entry.value!, 'utf8');
      assert.deepEqual(mine, body, entry.path);
    }
    // The tree itself: cloud-init's listings are the same bodies our parser read.
    assert.equal(theirs.get('/latest/meta-data/public-keys/0/openssh-key')!.toString(), emu.getValue('/latest/meta-data/public-keys/0/openssh-key')!.toString());
  });
});
