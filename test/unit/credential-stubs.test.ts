import { describe, expect, it } from 'vitest';
import { fromIni, fromProcess, fromSSO, fromTokenFile } from '../../functions/lib/credential-stubs.ts';
import { CREDENTIAL_STUB_ALIASES } from '../../infra/stacks/bundling.ts';

describe('credential provider stubs in the Lambda bundles', () => {
  it.each([
    ['fromSSO', fromSSO],
    ['fromIni', fromIni],
    ['fromProcess', fromProcess],
    ['fromTokenFile', fromTokenFile],
  ])('%s finds nothing and lets the default chain try its next provider', async (name, provider) => {
    await expect(provider()()).rejects.toMatchObject({
      name: 'CredentialsProviderError',
      tryNextLink: true,
      message: expect.stringContaining(name),
    });
  });

  it('stands in for exactly the providers the default chain imports lazily', () => {
    expect(Object.keys(CREDENTIAL_STUB_ALIASES).sort()).toEqual([
      '@aws-sdk/credential-provider-ini',
      '@aws-sdk/credential-provider-process',
      '@aws-sdk/credential-provider-sso',
      '@aws-sdk/credential-provider-web-identity',
    ]);
  });
});
