import type { BehaviourEvent } from '../../events/behaviour.ts';
import { signedFetch } from './sigv4.ts';
import { shopperToken } from './tokens.ts';

/**
 * Sends events through the doors they belong to, as their senders would: orders and reviews
 * through the shop's commerce route (SigV4, the local keys), storefront behaviour through the
 * public route, a signed-in shopper's with their bearer token (the only proof of their `userId`)
 * and a guest's without. Batches of 100; every answer must be 202.
 */
export async function sendThroughTheirDoors(
  baseUrl: string,
  events: readonly BehaviourEvent[],
): Promise<void> {
  const commerce = events.filter((e) => e.type === 'OrderPlaced' || e.type === 'ReviewPosted');
  const byShopper = new Map<string | undefined, BehaviourEvent[]>();
  for (const e of events) {
    if (e.type === 'OrderPlaced' || e.type === 'ReviewPosted') continue;
    const userId = 'userId' in e ? e.userId : undefined;
    byShopper.set(userId, [...(byShopper.get(userId) ?? []), e]);
  }
  const post = async (path: string, batch: readonly BehaviourEvent[], headers: Record<string, string>) => {
    const init = {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ events: batch }),
    };
    const res =
      path === '/v1/commerce/events'
        ? await signedFetch(`${baseUrl}${path}`, init)
        : await fetch(`${baseUrl}${path}`, init);
    if (res.status !== 202) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  };
  for (let i = 0; i < commerce.length; i += 100)
    await post('/v1/commerce/events', commerce.slice(i, i + 100), {});
  for (const [userId, mine] of byShopper) {
    const auth: Record<string, string> = userId ? { authorization: `Bearer ${shopperToken(userId)}` } : {};
    for (let i = 0; i < mine.length; i += 100) await post('/v1/events', mine.slice(i, i + 100), auth);
  }
}
