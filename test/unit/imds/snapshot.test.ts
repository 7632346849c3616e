// Snapshot files: build, save, load, validate, mask, compare (no server).
import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  SnapshotFormatError, buildSnapshot, diffSnapshots, isEmptyDiff, isUtf8, loadSnapshot, maskSnapshot, parseSnapshot,
  saveSnapshot, snapshotValues, validateSnapshot, valueEntry,
} from '../../../src/imds/snapshot';
import { SECRET_MASK } from '../../../src/imds/secrets';
import type { Snapshot } from '../../../src/imds/types';

const dir = mkdtempSync(path.join(tmpdir(), 'imds-snapshot-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ROLE = '/latest/meta-data/iam/security-credentials/R';
const CREDS = '{\n  "AccessKeyId" : "ASIA1",\n  "SecretAccessKey" : "very-secret-key",\n  "Token" : "very-secret-token"\n}';

function sample(overrides: Partial<Record<string, string>> = {}): Snapshot {
  const values: Record<string, string> = { '/latest/meta-data/ami-id': 'ami-1', '/latest/meta-data/instance-type': 't3.micro', ...overrides };
  return buildSnapshot({
    source: 'test',
    root: '/latest/meta-data/',
    takenAt: new Date('2024-01-01T00:00:00Z'),
    entries: [
      ...Object.entries(values).map(([p, v]) => valueEntry(p, Buffer.from(v), true)),
      { path: '/latest/meta-data/', kind: 'dir' as const, status: 200, children: Object.keys(values) },
    ],
  });
}

describe('building snapshots', () => {
  it('orders entries by path and keeps binary values as base64', () => {
    const gz = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe]);
    const snap = buildSnapshot({ source: 's', root: '/latest/', entries: [valueEntry('/latest/user-data', gz, false), valueEntry('/latest/a', Buffer.from('x'), false)] });
    assert.deepEqual(snap.entries.map((e) => e.path), ['/latest/a', '/latest/user-data']);
    assert.equal(snap.entries[1].encoding, 'base64');
    assert.deepEqual(Buffer.from(snap.entries[1].value!, 'base64'), gz);
    assert.ok(isUtf8(Buffer.from('héllo')) && !isUtf8(gz));
  });
  it('masks credentials unless secrets are shown', () => {
    const masked = valueEntry(ROLE, Buffer.from(CREDS), false);
    assert.ok(masked.masked && !masked.value!.includes('very-secret'));
    const shown = valueEntry(ROLE, Buffer.from(CREDS), true);
    assert.ok(!shown.masked && shown.value!.includes('very-secret-key'));
    const remasked = maskSnapshot(buildSnapshot({ source: 's', root: '/', entries: [shown] }));
    assert.equal(JSON.parse(remasked.entries[0].value!).Token, SECRET_MASK);
  });

  it('hides a credential body that is not UTF-8 whole, instead of carrying its secrets as base64', () => {
    // CREDS with one invalid byte: base64 of it would hold the secret key and token in the open.
    const body = Buffer.concat([Buffer.from(CREDS), Buffer.from([0xff])]);
    const hidden = valueEntry(ROLE, body, false);
    assert.equal(hidden.masked, true);
    assert.notEqual(hidden.encoding, 'base64');
    assert.ok(!Buffer.from(hidden.value!, 'utf8').toString().includes('very-secret'));
    const shown = valueEntry(ROLE, body, true);
    assert.equal(shown.encoding, 'base64');
    assert.ok(Buffer.from(shown.value!, 'base64').toString('latin1').includes('very-secret-key'));
    const remasked = maskSnapshot(buildSnapshot({ source: 's', root: '/', entries: [shown] }));
    assert.equal(remasked.entries[0].masked, true);
    assert.ok(!JSON.stringify(remasked).includes(shown.value!));
  });
});

describe('saving and loading', () => {
  it('round-trips through a file, masking secrets unless kept', async () => {
    const snap = sample({ [ROLE]: CREDS });
    const file = path.join(dir, 'a.json');
    await saveSnapshot(file, snap);
    assert.ok(!readFileSync(file, 'utf8').includes('very-secret'));
    const loaded = await loadSnapshot(file);
    assert.deepEqual(snapshotValues(loaded).get('/latest/meta-data/ami-id'), 'ami-1');
    const kept = path.join(dir, 'kept.json');
    await saveSnapshot(kept, snap, { keepSecrets: true });
    assert.ok(readFileSync(kept, 'utf8').includes('very-secret-key'));
    assert.equal(statSync(kept).mode & 0o777, 0o600, 'a file with credentials is owner-only');
    const existing = path.join(dir, 'existing.json');
    writeFileSync(existing, '{}', { mode: 0o644 });
    chmodSync(existing, 0o644);
    await saveSnapshot(existing, snap, { keepSecrets: true });
    assert.equal(statSync(existing).mode & 0o777, 0o600, 'an existing file is made owner-only before credentials go in');
    assert.deepEqual(await loadSnapshot(kept), snap);
  });
  it('names the first problem of a file that is not a snapshot', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"format":"imds-snapshot","version":1,"source":"s","takenAt":"t","root":"/","entries":[{"path":"rel","kind":"value","status":200,"value":"x"}]}');
    await assert.rejects(loadSnapshot(bad), (e: unknown) => e instanceof SnapshotFormatError && e.message.includes(bad) && e.message.includes('entries[0].path'));
    assert.throws(() => parseSnapshot('not json'), /not JSON/);
    assert.throws(
      () => parseSnapshot('{"SecretAccessKey": wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY}'),
      (e: unknown) => e instanceof SnapshotFormatError && /not JSON/.test(e.message) && !e.message.includes('wJalr'),
      'a broken file with a secret in it is not quoted back',
    );
    assert.throws(() => validateSnapshot({ format: 'other' }), /"format" must be "imds-snapshot"/);
    assert.throws(() => validateSnapshot({ ...sample(), version: 2 }), /unsupported "version" 2/);
    const dup = sample();
    dup.entries.push({ ...dup.entries[0] });
    assert.throws(() => validateSnapshot(dup), /appears twice/);
    assert.throws(() => validateSnapshot({ ...sample(), entries: [{ path: '/x', kind: 'value', status: 200, value: '!!', encoding: 'base64' }] }), /not base64/);
  });
});

describe('diffSnapshots', () => {
  it('finds added, removed and changed paths', () => {
    const a = sample({ '/latest/meta-data/gone': 'x' });
    const b = sample({ '/latest/meta-data/instance-type': 'm5.large', '/latest/meta-data/new': 'y' });
    const diff = diffSnapshots(a, b);
    assert.deepEqual(diff.added, ['/latest/meta-data/new']);
    assert.deepEqual(diff.removed, ['/latest/meta-data/gone']);
    assert.deepEqual(diff.changed.map((c) => c.path), ['/latest/meta-data/', '/latest/meta-data/instance-type']);
    assert.equal(diff.changed[1].before.value, 't3.micro');
    assert.equal(diff.changed[1].after.value, 'm5.large');
    assert.ok(!isEmptyDiff(diff));
  });
  it('finds nothing between equal snapshots taken at different times', () => {
    const b = { ...sample(), takenAt: '2030-01-01T00:00:00.000Z' };
    assert.ok(isEmptyDiff(diffSnapshots(sample(), b)));
  });
  it('sees a status change (a path that started to fail)', () => {
    const b = sample();
    b.entries[1] = { path: b.entries[1].path, kind: 'error', status: 404, error: 'Not found (404)' };
    assert.deepEqual(diffSnapshots(sample(), b).changed.map((c) => c.path), [b.entries[1].path]);
  });
});
