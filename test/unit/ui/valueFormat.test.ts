// How values are shown (row descriptions, documents, snapshot text): plain functions the tree,
// the documents and the compare command share. Secrets must stay masked in all of them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SECRET_MASK } from '../../../src/imds/secrets';
import { buildSnapshot, valueEntry } from '../../../src/imds/snapshot';
import { renderSnapshotText } from '../../../src/ui/snapshotText';
import { describeValue, documentText, parseJsonDocument, userDataKind, valueStyle } from '../../../src/ui/valueFormat';

const CRED_PATH = '/latest/meta-data/iam/security-credentials/MyRole';
const CRED = JSON.stringify({ Code: 'Success', AccessKeyId: 'ASIAEXAMPLE0000', SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', Token: 'IQoJb3JpZ2luX2VjEXAMPLETOKEN', Expiration: '2030-01-01T00:00:00Z' });
const buf = (s: string | Buffer) => (Buffer.isBuffer(s) ? s : Buffer.from(s));

describe('value styles', () => {
  it('tells folders of values apart by what they hold', () => {
    assert.equal(valueStyle('/latest/meta-data/ami-id', buf('ami-1')), 'text');
    assert.equal(valueStyle('/latest/meta-data/iam/info', buf('{"Code":"Success"}')), 'json');
    assert.equal(valueStyle(CRED_PATH, buf(CRED)), 'secret');
    assert.equal(valueStyle('/latest/user-data', buf('#!/bin/bash\n')), 'userData');
    assert.equal(valueStyle('/latest/meta-data/security-groups', buf('a\nb')), 'multiline');
    assert.equal(valueStyle('/latest/meta-data/tags/instance/Blob', Buffer.from([0xff, 0xfe, 0x00])), 'binary');
    assert.equal(valueStyle('/latest/meta-data/tags/instance/Doc', buf('{"a":1}')), 'json', 'JSON found by content too');
  });

  it('takes only objects and arrays as JSON documents', () => {
    assert.equal(parseJsonDocument('42'), undefined);
    assert.equal(parseJsonDocument('"x"'), undefined);
    assert.equal(parseJsonDocument('{not json'), undefined);
    assert.deepEqual(parseJsonDocument(' [1, 2] '), [1, 2]);
  });
});

describe('row descriptions', () => {
  it('shows short values, summarises the rest, and never a secret', () => {
    assert.equal(describeValue('/latest/meta-data/ami-id', buf('ami-0abc'), false), 'ami-0abc');
    assert.equal(describeValue('/latest/meta-data/security-groups', buf('web\ndb\nops\n'), false), 'web (+2 more)');
    assert.equal(describeValue('/latest/meta-data/iam/info', buf('{"a":1,"b":2}'), false), '{ 2 fields }');
    assert.equal(describeValue(CRED_PATH, buf(CRED), false), 'Success · secrets hidden');
    assert.equal(describeValue(CRED_PATH, buf(CRED), true), 'revealed');
    assert.match(describeValue('/latest/meta-data/x', buf('y'.repeat(200)), false), /^y{63}…$/);
    assert.equal(describeValue('/latest/user-data', buf('#cloud-config\npackages: []\n'), false), 'cloud-config · 27 B');
  });

  it('names user-data by its first line', () => {
    assert.equal(userDataKind(buf('#!/bin/bash\necho hi')), 'script');
    assert.equal(userDataKind(buf('<powershell>\n</powershell>')), 'PowerShell');
    assert.equal(userDataKind(buf('Content-Type: multipart/mixed; boundary="x"\n')), 'MIME');
    assert.equal(userDataKind(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff])), 'gzip');
    assert.equal(userDataKind(buf('')), 'empty');
  });
});

describe('value documents', () => {
  it('pretty-prints JSON in JSON mode and masks credentials unless revealed', () => {
    const masked = documentText(CRED_PATH, buf(CRED), false);
    assert.equal(masked.language, 'json');
    const doc = JSON.parse(masked.text) as Record<string, string>;
    assert.equal(doc.SecretAccessKey, SECRET_MASK);
    assert.equal(doc.Token, SECRET_MASK);
    assert.equal(doc.AccessKeyId, 'ASIAEXAMPLE0000');
    assert.ok(masked.text.includes('\n  "Code": "Success"'), 'indented by two spaces');
    const revealed = documentText(CRED_PATH, buf(CRED), true);
    assert.ok(revealed.text.includes('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'));
  });

  it('gives user-data its language and binary data a base64 view', () => {
    assert.equal(documentText('/latest/user-data', buf('#cloud-config\n'), false).language, 'yaml');
    assert.equal(documentText('/latest/user-data', buf('#!/bin/bash\n'), false).language, 'shellscript');
    const binary = documentText('/latest/user-data', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe]), false);
    assert.equal(binary.language, 'plaintext');
    assert.match(binary.text, /^# 6 B of binary data \(gzip\), shown as base64:\nH4sIAP\/\+\n$/);
  });

  it('masks a credential body that is not valid UTF-8 instead of showing it as base64', () => {
    const body = Buffer.concat([Buffer.from(CRED.slice(0, -2)), Buffer.from([0xff]), Buffer.from('"}')]);
    const masked = documentText(CRED_PATH, body, false);
    assert.ok(!masked.text.includes('wJalrXUtnFEMI'), 'no secret in the text');
    assert.ok(!masked.text.includes(body.toString('base64').slice(0, 40)), 'no base64 of the body');
    assert.ok(masked.text.includes(SECRET_MASK));
    assert.equal(documentText(CRED_PATH, Buffer.from([0xff, 0xfe, 0x00]), false).text, `${SECRET_MASK} (credential body hidden: not JSON)`);
    assert.match(documentText(CRED_PATH, body, true).text, /shown as base64/, 'revealed: the bytes as they are');
  });

  it('keeps plain text exactly as served', () => {
    assert.deepEqual(documentText('/latest/meta-data/ami-id', buf('ami-0abc'), false), { text: 'ami-0abc', language: 'plaintext' });
  });
});

describe('snapshot text for diffs', () => {
  it('puts one path per block, short values inline, JSON indented, errors marked, secrets masked', () => {
    const snapshot = buildSnapshot({
      source: 'test',
      root: '/latest/',
      takenAt: new Date('2030-01-01T00:00:00Z'),
      entries: [
        { path: '/latest/', kind: 'dir', status: 200, children: ['/latest/meta-data/'] },
        valueEntry('/latest/meta-data/ami-id', buf('ami-1'), false),
        valueEntry(CRED_PATH, buf(CRED), false),
        { path: '/latest/meta-data/spot/', kind: 'error', status: 404, error: 'Not found (404)' },
      ],
    });
    const text = renderSnapshotText(snapshot);
    assert.equal(
      text,
      [
        '# IMDS snapshot of test, taken 2030-01-01T00:00:00.000Z, root /latest/',
        '',
        '/latest/meta-data/ami-id = ami-1',
        `${CRED_PATH} =`,
        '    {',
        '      "Code": "Success",',
        '      "AccessKeyId": "ASIAEXAMPLE0000",',
        `      "SecretAccessKey": "${SECRET_MASK}",`,
        `      "Token": "${SECRET_MASK}",`,
        '      "Expiration": "2030-01-01T00:00:00Z"',
        '    }',
        '/latest/meta-data/spot/ ! 404 Not found (404)',
        '',
      ].join('\n'),
    );
  });
});

describe('snapshot text of a credential body that is not UTF-8', () => {
  it('hides it whole instead of printing its base64', () => {
    const body = Buffer.concat([Buffer.from(CRED), Buffer.from([0xff])]);
    // A snapshot that kept its secrets (saved with secrets shown) carries the body as base64: the
    // text view must still hide it. (Snapshots taken masked never hold it: src/imds/snapshot.ts.)
    const snapshot = buildSnapshot({ source: 'test', root: '/latest/', takenAt: new Date('2030-01-01T00:00:00Z'), entries: [valueEntry(CRED_PATH, body, true)] });
    assert.equal(snapshot.entries[0].encoding, 'base64');
    const text = renderSnapshotText(snapshot);
    assert.ok(!text.includes(body.toString('base64').slice(0, 40)), 'no base64 of the body');
    assert.ok(text.includes(`${CRED_PATH} = (binary, ${body.length} bytes, hidden: credential path)`));
    const masked = renderSnapshotText(buildSnapshot({ source: 'test', root: '/latest/', entries: [valueEntry(CRED_PATH, body, false)] }));
    assert.ok(!masked.includes(body.toString('base64').slice(0, 40)), 'a masked snapshot holds no base64 of the body either');
  });
});
