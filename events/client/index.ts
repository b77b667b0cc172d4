import createClient from 'openapi-fetch';
import type { components, paths } from './openapi.ts';

/**
 * The typed HTTP client a storefront (or a test) calls the API with: openapi-fetch over the types
 * openapi-typescript generated from the served document (client/openapi.ts). Paths, parameters,
 * headers the document requires (Idempotency-Key) and bodies are checked by TypeScript; answers
 * come back as `{ data }` or `{ error }` with the documented types.
 */
export type { components, operations, paths } from './openapi.ts';
export type Schemas = components['schemas'];
/** One behaviour event as `POST /v1/events` takes it. */
export type BehaviourEvent = Schemas['PostEventsRequest']['events'][number];

export interface ClientOptions {
  /** The API's origin, e.g. `https://api.example.com`; leave it out in a page served by the API. */
  baseUrl?: string;
  /** The signed-in shopper's bearer token, read for every request; nothing for a guest. */
  token?: () => string | null | undefined;
  /** Another fetch (tests, retries); globalThis.fetch by default. */
  fetch?: (input: Request) => Promise<Response>;
}

export function createMerchandiserClient({ baseUrl, token, fetch }: ClientOptions = {}) {
  const client = createClient<paths>({
    // A page on the API's own origin passes nothing: requests go to `location.origin`.
    baseUrl: baseUrl ?? (globalThis as { location?: { origin: string } }).location?.origin ?? '',
    ...(fetch ? { fetch } : {}),
  });
  if (token) {
    client.use({
      onRequest({ request }) {
        const value = token();
        if (value && !request.headers.has('authorization')) {
          request.headers.set('authorization', `Bearer ${value}`);
        }
        return request;
      },
    });
  }
  return client;
}
export type MerchandiserClient = ReturnType<typeof createMerchandiserClient>;

/** The message of an error answer (`{"error": {...}}`, or API Gateway's `{"message"}`). */
export function errorMessage(error: unknown, status?: number): string {
  const e = error as { error?: { message?: string }; message?: string } | undefined;
  return e?.error?.message ?? e?.message ?? `HTTP ${status ?? 'error'}`;
}
