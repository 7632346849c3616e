// Profile names for the picker, read from the shared AWS files without the SDK.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAwsProfiles } from '../../../src/sources/ssm/profiles';
import { isolateAwsEnvironment, type IsolatedAws } from '../../support/ssm/fixtures';

describe('AWS profiles from ~/.aws/config and ~/.aws/credentials', () => {
  let aws: IsolatedAws;
  before(() => {
    aws = isolateAwsEnvironment();
  });
  after(() => aws.restore());

  it('lists config and credentials profiles once each, default first, with region and SSO', async () => {
    aws.write(
      ['[default]', 'region = us-east-1', '', '[profile dev-sso]', 'sso_session = corp', 'sso_account_id = 123456789012', 'region = eu-west-1 # comment',
        '', '[sso-session corp]', 'sso_start_url = https://corp.awsapps.com/start', '', '[profile ci]', 'role_arn = arn:aws:iam::1:role/ci', 'source_profile = keys', ''].join('\n'),
      ['[keys]', 'aws_access_key_id = AKIDEXAMPLE', 'aws_secret_access_key = x', '[ci]', 'aws_access_key_id = AKIDOTHER', ''].join('\n'),
    );
    assert.deepEqual(await listAwsProfiles(), [
      { name: 'default', region: 'us-east-1', sso: false },
      { name: 'ci', sso: false },
      { name: 'dev-sso', region: 'eu-west-1', sso: true },
      { name: 'keys', sso: false },
    ]);
  });

  it('is empty, not an error, when the files do not exist', async () => {
    assert.deepEqual(await listAwsProfiles({ HOME: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials' }), []);
  });
});
