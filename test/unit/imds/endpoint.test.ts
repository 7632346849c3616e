// Endpoint and policy selection from options and AWS_EC2_METADATA_* variables (no traffic).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  EndpointConfigError, IPV4_ENDPOINT, IPV6_ENDPOINT, envFlag, isImdsDisabled, isV1Disabled, parseEndpoint,
  resolveEndpoint, resolveVersionPolicy,
} from '../../../src/imds/endpoint';
import { ImdsClient } from '../../../src/imds/client';

describe('resolveEndpoint', () => {
  it('defaults to the IPv4 link-local address', () => {
    assert.deepEqual(resolveEndpoint({ env: {} }), { origin: IPV4_ENDPOINT, from: 'default' });
  });
  it('honours AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE and AWS_EC2_METADATA_SERVICE_ENDPOINT', () => {
    assert.deepEqual(resolveEndpoint({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'ipv6' } }), { origin: IPV6_ENDPOINT, from: 'env-mode' });
    assert.deepEqual(resolveEndpoint({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:1338/' } }), { origin: 'http://127.0.0.1:1338', from: 'env-endpoint' });
    // The endpoint wins over the mode, as in the SDKs.
    const both = { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://[::1]:1338', AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv4' };
    assert.equal(resolveEndpoint({ env: both }).origin, 'http://[::1]:1338');
    assert.throws(() => resolveEndpoint({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'ipv5' } }), EndpointConfigError);
  });
  it('lets explicit options win over the environment', () => {
    const env = { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9', AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv4' };
    assert.deepEqual(resolveEndpoint({ env, endpoint: 'http://127.0.0.1:1338' }), { origin: 'http://127.0.0.1:1338', from: 'option' });
    assert.deepEqual(resolveEndpoint({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv4' }, endpointMode: 'IPv6' }), { origin: IPV6_ENDPOINT, from: 'mode' });
  });
  it('reads process.env when no env is given', () => {
    const saved = process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = 'http://127.0.0.1:4242';
    try {
      assert.equal(resolveEndpoint().origin, 'http://127.0.0.1:4242');
    } finally {
      if (saved === undefined) delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
      else process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = saved;
    }
  });
});

describe('parseEndpoint', () => {
  it('accepts URLs, bare IPv4 and bare or bracketed IPv6', () => {
    assert.equal(parseEndpoint('169.254.169.254'), 'http://169.254.169.254');
    assert.equal(parseEndpoint('fd00:ec2::254'), 'http://[fd00:ec2::254]');
    assert.equal(parseEndpoint('[::1]:1338'), 'http://[::1]:1338');
    assert.equal(parseEndpoint('http://localhost:1338'), 'http://localhost:1338');
  });
  it('refuses what cannot be an IMDS endpoint, naming the setting', () => {
    assert.throws(() => parseEndpoint('ftp://x'), /uses ftp:/);
    assert.throws(() => parseEndpoint('http://h/latest/'), /has a path/);
    assert.throws(() => parseEndpoint('http://u:p@h'), /credentials/);
    assert.throws(() => parseEndpoint('  ', 'imds.endpoint'), /imds\.endpoint is empty/);
    assert.throws(() => parseEndpoint('http://[zz'), /not a URL/);
  });
});

describe('flags and version policy', () => {
  it('reads true-ish values only', () => {
    assert.ok(envFlag('true') && envFlag('TRUE') && envFlag('1'));
    assert.ok(!envFlag(undefined) && !envFlag('') && !envFlag('false') && !envFlag('0'));
    assert.ok(isImdsDisabled({ AWS_EC2_METADATA_DISABLED: 'true' }));
    assert.ok(!isImdsDisabled({ AWS_EC2_METADATA_DISABLED: 'false' }));
    assert.ok(isV1Disabled({ AWS_EC2_METADATA_V1_DISABLED: 'True' }));
  });
  it('turns auto into v2-only when AWS_EC2_METADATA_V1_DISABLED is set, and keeps explicit choices', () => {
    const env = { AWS_EC2_METADATA_V1_DISABLED: 'true' };
    assert.equal(resolveVersionPolicy(undefined, env), 'v2-only');
    assert.equal(resolveVersionPolicy('auto', env), 'v2-only');
    assert.equal(resolveVersionPolicy('v1-only', env), 'v1-only');
    assert.equal(resolveVersionPolicy(undefined, {}), 'auto');
  });
  it('is what a client reports in state() without sending anything', async () => {
    const client = new ImdsClient({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv6', AWS_EC2_METADATA_V1_DISABLED: 'true', AWS_EC2_METADATA_DISABLED: 'true' } });
    try {
      assert.deepEqual(client.state(), { imdsMode: 'unknown', endpoint: IPV6_ENDPOINT, versionPolicy: 'v2-only', disabled: true });
      assert.equal(client.counters.requests, 0);
    } finally {
      await client.close();
    }
  });
  it('refuses a token TTL outside 1..21600', () => {
    assert.throws(() => new ImdsClient({ tokenTtlSeconds: 0, env: {} }), RangeError);
    assert.throws(() => new ImdsClient({ tokenTtlSeconds: 21601, env: {} }), RangeError);
  });
});
