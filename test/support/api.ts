import { createMerchandiserClient, type MerchandiserClient } from '../../events/client/index.ts';
import { shopperToken } from './tokens.ts';

/**
 * The typed client (client/index.ts, generated from the served document) on a test runtime, as a
 * guest or as a signed-in shopper (a token issued at the tests' clock): e2e files call the API
 * through it wherever they send what the document describes.
 */
export const apiClient = (baseUrl: string, userId?: string): MerchandiserClient =>
  createMerchandiserClient({ baseUrl, ...(userId ? { token: () => shopperToken(userId) } : {}) });

/** An answer as the e2e files assert on it: the status and the body (data or error). */
export async function answer<T, E>(
  request: Promise<{ data?: T; error?: E; response: Response }>,
): Promise<{ status: number; body: any }> {
  const { data, error, response } = await request;
  return { status: response.status, body: data ?? error };
}
