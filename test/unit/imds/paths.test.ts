// Path helpers and listing parsing: pure functions, no server.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  IMDS_VERSIONS, baseName, categoryPath, isDirectoryPath, isVersionSegment, joinPath, normalizePath,
  parentPath, parseListing, parseListingDetailed, versionOfPath, withVersion,
} from '../../../src/imds/paths';
import { ImdsError } from '../../../src/imds/errors';

describe('normalizePath', () => {
  it('puts /latest in front of a category and keeps a trailing slash', () => {
    assert.equal(normalizePath('meta-data/ami-id'), '/latest/meta-data/ami-id');
    assert.equal(normalizePath('meta-data/iam/'), '/latest/meta-data/iam/');
    assert.equal(normalizePath('user-data'), '/latest/user-data');
    assert.equal(normalizePath('dynamic/instance-identity/document'), '/latest/dynamic/instance-identity/document');
  });
  it('treats a bare version or top-level directory as a directory', () => {
    assert.equal(normalizePath('latest'), '/latest/');
    assert.equal(normalizePath('/2021-03-23'), '/2021-03-23/');
    assert.equal(normalizePath('meta-data'), '/latest/meta-data/');
    assert.equal(normalizePath('/latest/dynamic'), '/latest/dynamic/');
    assert.equal(normalizePath(''), '/');
    assert.equal(normalizePath('/'), '/');
  });
  it('takes full URLs, collapses double slashes, drops query strings', () => {
    assert.equal(normalizePath('http://169.254.169.254/latest/meta-data/'), '/latest/meta-data/');
    assert.equal(normalizePath('http://[fd00:ec2::254]/latest//meta-data//ami-id?x=1'), '/latest/meta-data/ami-id');
    assert.equal(normalizePath('http://127.0.0.1:1338'), '/');
  });
  it('refuses dot segments and control characters', () => {
    assert.throws(() => normalizePath('/latest/../etc'), /"\.\." segment/);
    assert.throws(() => normalizePath('/latest/./meta-data'), /"\." segment/);
    assert.throws(() => normalizePath('/latest/meta-data/a\nb'), /control character/);
  });
});

describe('joins, parents, versions', () => {
  it('joins and splits paths', () => {
    assert.equal(joinPath('/latest/meta-data', 'ami-id'), '/latest/meta-data/ami-id');
    assert.equal(joinPath('/latest/meta-data/', '/iam/'), '/latest/meta-data/iam/');
    assert.equal(parentPath('/latest/meta-data/ami-id'), '/latest/meta-data/');
    assert.equal(parentPath('/latest/meta-data/iam/'), '/latest/meta-data/');
    assert.equal(parentPath('/latest/'), '/');
    assert.equal(baseName('/latest/meta-data/iam/'), 'iam');
    assert.equal(categoryPath('/2021-03-23/meta-data/ami-id'), 'meta-data/ami-id');
    assert.ok(isDirectoryPath('/latest/meta-data/'));
    assert.ok(!isDirectoryPath('/latest/meta-data/ami-id'));
  });
  it('knows version segments and swaps them', () => {
    assert.ok(IMDS_VERSIONS.includes('latest') && IMDS_VERSIONS.includes('1.0'));
    assert.ok(isVersionSegment('2009-04-04') && isVersionSegment('latest') && !isVersionSegment('meta-data'));
    assert.equal(versionOfPath('/2016-09-02/meta-data/'), '2016-09-02');
    assert.equal(versionOfPath('/meta-data/'), undefined);
    assert.equal(withVersion('/latest/meta-data/ami-id', '2021-03-23'), '/2021-03-23/meta-data/ami-id');
    assert.equal(withVersion('/', 'latest'), '/latest/');
  });
});

describe('parseListing', () => {
  it('maps public-keys N=name to the directory public-keys/N/', () => {
    const entries = parseListing('/latest/meta-data/public-keys/', '0=my-key\n1=other-key');
    assert.deepEqual(entries, [
      { name: '0=my-key', path: '/latest/meta-data/public-keys/0/', isDirectory: true },
      { name: '1=other-key', path: '/latest/meta-data/public-keys/1/', isDirectory: true },
    ]);
  });
  it('does not apply the N=name rule outside public-keys (a tag key may hold "=")', () => {
    const [entry] = parseListing('/latest/meta-data/tags/instance/', 'a=b');
    assert.deepEqual(entry, { name: 'a=b', path: '/latest/meta-data/tags/instance/a=b', isDirectory: false });
  });
  it('knows that the version root lists meta-data and dynamic without slashes', () => {
    const entries = parseListing('/latest/', 'dynamic\nmeta-data\nuser-data\n');
    assert.deepEqual(entries.map((e) => e.path), ['/latest/dynamic/', '/latest/meta-data/', '/latest/user-data']);
  });
  it('treats every version at / as a directory and refuses other names there', () => {
    const parsed = parseListingDetailed('/', '1.0\n2007-01-19\nlatest\nnot-a-version');
    assert.deepEqual(parsed.entries.map((e) => e.path), ['/1.0/', '/2007-01-19/', '/latest/']);
    assert.equal(parsed.problems[0].reason, 'is not an IMDS version');
  });
  it('accepts CRLF and blank lines, and keeps listing order', () => {
    const entries = parseListing('/latest/meta-data', 'b\r\n\r\na/\r\n');
    assert.deepEqual(entries.map((e) => [e.name, e.path, e.isDirectory]), [['b', '/latest/meta-data/b', false], ['a', '/latest/meta-data/a/', true]]);
  });
  it('reports malformed lines and keeps the good ones', () => {
    const parsed = parseListingDetailed('/latest/meta-data/', 'ami-id\nbad/name\n..\nx\x01y\n  padded\n/\niam/\nami-id\n' + 'z'.repeat(2000));
    assert.deepEqual(parsed.entries.map((e) => e.name), ['ami-id', 'iam']);
    assert.deepEqual(parsed.problems.map((p) => [p.line, p.reason]), [
      [2, 'has a "/" inside the name'],
      [3, 'is ".."'],
      [4, 'contains a control character'],
      [5, 'has leading or trailing spaces'],
      [6, 'is only a slash'],
      [8, 'duplicates an earlier entry'],
      [9, 'longer than 1024 characters'],
    ]);
  });
  it('rejects a body that is no listing (HTML page, binary) with a Malformed error', () => {
    assert.throws(() => parseListing('/latest/meta-data/', '<!DOCTYPE html><html><body>Proxy login</body></html>'), (e: unknown) => e instanceof ImdsError && e.code === 'Malformed' && /HTML/.test(e.message));
    assert.throws(() => parseListing('/latest/meta-data/', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff])), (e: unknown) => e instanceof ImdsError && e.code === 'Malformed' && /binary/.test(e.message));
    assert.throws(() => parseListing('/latest/meta-data/', 'a/b\nc/d'), (e: unknown) => e instanceof ImdsError && e.code === 'Malformed' && e.path === '/latest/meta-data/');
  });
  it('returns no entries for an empty listing', () => {
    assert.deepEqual(parseListing('/latest/meta-data/tags/instance/', ''), []);
  });
});
