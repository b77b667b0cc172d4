import * as z from 'zod';

/**
 * Building blocks shared by every contract. Identifiers are opaque strings with a conservative
 * alphabet so that they are safe in DynamoDB keys (we join them with `#`) and in URL paths.
 */
export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits, ".", "_", ":" or "-"');

export const ProductId = Id.meta({ description: 'Product identifier (SKU)' });
export const SceneId = Id.meta({ description: 'Scene identifier' });
export const PromotionId = Id.meta({ description: 'Promotion identifier' });
export const UserId = Id.meta({ description: 'Signed-in shopper identifier' });
export const SessionId = Id.meta({ description: 'Storefront visit (session) identifier' });

/**
 * The shopper id the service stores for a verified token's subject (`sub`): the subject itself when
 * it is an id (a Cognito UUID, `u-00042`), and an identity provider's `provider|id` subject (Auth0:
 * `auth0|65f0c1...`, `google-oauth2|1098...`) with each `|` written `:` (`auth0:65f0c1...`). The
 * shop's servers name the shopper the same way in orders and customer records. Undefined for a
 * subject that is neither (the token is then refused). `iss` is pinned to one issuer per stage, so
 * subjects of two issuers never meet.
 */
export function shopperIdOfSubject(sub: unknown): string | undefined {
  if (typeof sub !== 'string') return undefined;
  const id = sub.replaceAll('|', ':');
  return Id.safeParse(id).success ? id : undefined;
}

/** ISO 8601 instant with an explicit offset, as EventBridge and the storefront send it. */
export const Instant = z.iso.datetime({ offset: true });
/** Calendar date, e.g. a launch date. */
export const CalendarDate = z.iso.date();

/**
 * Money is always an integer number of minor units (fen for CNY, yen for JPY) in the catalog's
 * currency; no floating point touches a price anywhere in the service.
 */
export const MAX_PRICE = 1_000_000_000_00;
export const MinorUnits = z.int().min(0).max(MAX_PRICE);
/**
 * A sum of prices (a line total, a cart's subtotal, a discount): it can pass the largest price
 * (two units at it), so it is bounded only by exact arithmetic. A quote holds at most 50 lines of
 * 999 units at MAX_PRICE, about 5e15, below 2^53; the engine allocates in BigInt past that.
 */
export const MinorUnitsSum = z.int().min(0);
export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY');

export const Quantity = z.int().min(1).max(10_000);

export const MemberTier = z.enum(['none', 'silver', 'gold', 'platinum']);
export type MemberTier = z.infer<typeof MemberTier>;

export const Locale = z.enum(['en', 'zh-CN']);
export type Locale = z.infer<typeof Locale>;
/** Text given in both languages the storefronts use. */
export const LocalizedText = z.object({
  en: z.string().min(1).max(2_000),
  'zh-CN': z.string().min(1).max(2_000),
});
export type LocalizedText = z.infer<typeof LocalizedText>;
