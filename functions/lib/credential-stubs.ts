/**
 * Stand-ins for the AWS SDK's SSO, shared-config, process and web-identity credential providers,
 * which the bundles alias to this module (infra/stacks/bundling.ts). On Lambda the default chain
 * finds the function role's credentials in the environment first and never reaches these; bundling
 * the real ones would add about 110 KB (their nested STS/SSO clients) to every function for nothing.
 * If a chain ever does get here, the error says why and lets the chain try its next provider
 * (container and instance metadata), as a provider that finds nothing does.
 */
const notBundled = (provider: string) => () => async (): Promise<never> => {
  throw Object.assign(
    new Error(`${provider} is not in this bundle: Lambda supplies credentials in the environment`),
    { name: 'CredentialsProviderError', tryNextLink: true },
  );
};

export const fromSSO = notBundled('fromSSO');
export const fromIni = notBundled('fromIni');
export const fromProcess = notBundled('fromProcess');
export const fromTokenFile = notBundled('fromTokenFile');
