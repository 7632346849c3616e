// The catalog of known categories: lookups with placeholders, flags, and the picker list.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { knownPaths, lookupCategory } from '../../../src/imds/catalog';

describe('lookupCategory', () => {
  it('finds plain categories under any version', () => {
    assert.match(lookupCategory('/latest/meta-data/ami-id')!.description, /AMI/);
    assert.equal(lookupCategory('/2021-03-23/meta-data/ami-id'), lookupCategory('/latest/meta-data/ami-id'));
    assert.equal(lookupCategory('meta-data/instance-type')!.pattern, 'meta-data/instance-type');
  });
  it('matches MAC, role, index and device placeholders', () => {
    assert.equal(lookupCategory('/latest/meta-data/network/interfaces/macs/0e:49:61:0f:c3:11/subnet-id')!.pattern, 'meta-data/network/interfaces/macs/{mac}/subnet-id');
    assert.equal(lookupCategory('/latest/meta-data/network/interfaces/macs/0e:49:61:0f:c3:11/')!.pattern, 'meta-data/network/interfaces/macs/{mac}/');
    assert.equal(lookupCategory('/latest/meta-data/network/interfaces/macs/not-a-mac/subnet-id'), undefined);
    const role = lookupCategory('/latest/meta-data/iam/security-credentials/MyRole')!;
    assert.ok(role.secret && role.json);
    assert.equal(lookupCategory('/latest/meta-data/public-keys/0/openssh-key')!.pattern, 'meta-data/public-keys/{n}/openssh-key');
    assert.equal(lookupCategory('/latest/meta-data/block-device-mapping/ebs2')!.pattern, 'meta-data/block-device-mapping/{ebsN}');
    assert.equal(lookupCategory('/latest/meta-data/tags/instance/Name')!.pattern, 'meta-data/tags/instance/{name}');
  });
  it('prefers exact names over placeholders and tells directories from values', () => {
    assert.equal(lookupCategory('/latest/meta-data/block-device-mapping/root')!.pattern, 'meta-data/block-device-mapping/root');
    assert.equal(lookupCategory('/latest/meta-data/iam/info')!.pattern, 'meta-data/iam/info');
    assert.ok(lookupCategory('/latest/meta-data/iam/')!.directory);
    assert.ok(lookupCategory('/latest/meta-data')!.directory, 'a directory typed without its slash');
    assert.ok(lookupCategory('/latest/')!.directory);
  });
  it('flags JSON, base64, multi-line and secret values', () => {
    assert.ok(lookupCategory('/latest/dynamic/instance-identity/document')!.json);
    assert.ok(lookupCategory('/latest/dynamic/instance-identity/pkcs7')!.base64);
    assert.ok(lookupCategory('/latest/meta-data/security-groups')!.multiline);
    assert.ok(lookupCategory('/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance')!.secret);
    assert.ok(!lookupCategory('/latest/meta-data/iam/info')!.secret);
    assert.ok(lookupCategory('/latest/user-data')!.docUrl.endsWith('user-data.html'));
  });
  it('knows nothing of paths outside IMDS', () => {
    assert.equal(lookupCategory('/etc/passwd'), undefined);
    assert.equal(lookupCategory('/latest/meta-data/no-such-category'), undefined);
  });
});

describe('knownPaths', () => {
  it('lists every category once, under /latest, with templates marked', () => {
    const paths = knownPaths();
    assert.equal(new Set(paths.map((p) => p.path)).size, paths.length);
    assert.ok(paths.every((p) => p.path.startsWith('/latest/')));
    assert.ok(paths.every((p) => p.info.description.length > 0 && !p.info.description.includes('\n')));
    assert.ok(paths.every((p) => p.info.docUrl.startsWith('https://docs.aws.amazon.com/')));
    const mac = paths.find((p) => p.path.includes('{mac}/subnet-id'))!;
    assert.ok(mac.template);
    assert.ok(!paths.find((p) => p.path === '/latest/meta-data/ami-id')!.template);
    // A concrete path's own lookup finds its entry.
    for (const p of paths.filter((x) => !x.template)) assert.equal(lookupCategory(p.path), p.info, p.path);
  });
});
