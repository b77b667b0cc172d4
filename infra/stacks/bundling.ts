/**
 * Credential providers a Lambda function never reaches (see functions/lib/credential-stubs.ts),
 * aliased to stubs at bundling time. Paths are relative to the project root, where NodejsFunction
 * and bench/bundles.ts run esbuild.
 */
export const CREDENTIAL_STUB_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-sso': './functions/lib/credential-stubs.ts',
  '@aws-sdk/credential-provider-ini': './functions/lib/credential-stubs.ts',
  '@aws-sdk/credential-provider-process': './functions/lib/credential-stubs.ts',
  '@aws-sdk/credential-provider-web-identity': './functions/lib/credential-stubs.ts',
};
