import type { RouteDecl } from './types.ts';

/** The HTTP API's routes, each on one function. */
export const routes = [
  { method: 'GET', path: '/health', functionId: 'api-system', auth: 'none', summary: 'Liveness' },
  {
    method: 'GET',
    path: '/openapi.json',
    functionId: 'api-system',
    auth: 'none',
    summary: 'This API, as OpenAPI 3.1',
  },
  {
    method: 'POST',
    path: '/v1/events',
    functionId: 'ingest-events',
    auth: 'none',
    summary:
      "Send a batch of up to 100 storefront behaviour events (views, carts, searches) for the bearer token's shopper or a guest",
  },
  {
    method: 'POST',
    path: '/v1/commerce/events',
    functionId: 'ingest-commerce',
    // The shop's own servers only (SigV4 with their role): orders and reviews are facts the service
    // builds profiles, segments, sales signals and bought-together evidence from.
    auth: 'iam',
    summary:
      "Send a batch of up to 100 orders and reviews from the shop's servers (a review's verifiedPurchase is decided by the service)",
  },
  {
    method: 'GET',
    path: '/v1/products',
    functionId: 'catalog-read',
    auth: 'none',
    summary: 'Page through products',
  },
  {
    method: 'GET',
    path: '/v1/products/{productId}',
    functionId: 'catalog-read',
    auth: 'none',
    summary: 'One product',
  },
  { method: 'GET', path: '/v1/scenes', functionId: 'catalog-read', auth: 'none', summary: 'All scenes' },
  {
    method: 'GET',
    path: '/v1/products/{productId}/related',
    functionId: 'related-read',
    auth: 'none',
    summary: 'Related products, adapted to the session or user, with reasons',
  },
  {
    method: 'GET',
    path: '/v1/products/{productId}/scenes',
    functionId: 'scenes-read',
    auth: 'none',
    summary: 'The scenes this product fits, each filled for the shopper with reasons and a price, best first',
  },
  {
    method: 'GET',
    path: '/v1/scenes/{sceneId}',
    functionId: 'scenes-read',
    auth: 'none',
    summary:
      'One scene filled for the shopper (around productId when given, else for everyone), with alternatives',
  },
  {
    method: 'GET',
    path: '/v1/products/{productId}/bundle',
    functionId: 'bundle-read',
    auth: 'none',
    summary: 'The products most often bought together with this one, as a priced bundle',
  },
  {
    method: 'GET',
    path: '/v1/hits',
    functionId: 'hits-read',
    auth: 'none',
    summary: 'Potential hit products, global or per category, with rank change and the signals behind them',
  },
  {
    method: 'GET',
    path: '/v1/hits/{productId}/signals',
    functionId: 'hits-read',
    auth: 'none',
    summary: "A product's signal counts per day over its last days (searches, views, carts, orders, reviews)",
  },
  {
    method: 'PUT',
    path: '/v1/admin/experiments/{experimentId}',
    functionId: 'experiments-admin',
    // Merchandisers and admin tools only: the HTTP API's IAM authorizer (SigV4) on AWS.
    auth: 'iam',
    summary:
      'Create (201) or replace (200) an A/B experiment: a 400 names each wrong field; a started one keeps its design (409)',
  },
  {
    method: 'GET',
    path: '/v1/experiments/{experimentId}/results',
    functionId: 'experiments-admin',
    // For merchandisers, not shoppers: IAM like the admin routes.
    auth: 'iam',
    summary:
      "An experiment's results per variant: exposures, conversions, rate with a 95% interval, lift and test against the control, SRM check, verdict",
  },
  {
    method: 'PUT',
    path: '/v1/admin/scenes/{sceneId}',
    functionId: 'catalog-admin',
    // Operators and admin tools only: the HTTP API's IAM authorizer (SigV4) guards it on AWS.
    auth: 'iam',
    summary:
      'Create or replace a scene: a 400 names each wrong field; a valid one is published as SceneUpserted (202)',
  },
  {
    method: 'GET',
    path: '/v1/users/{userId}/profile',
    functionId: 'profile-read',
    // Personal data for operators and admin tools: the HTTP API's IAM authorizer (SigV4) on AWS.
    auth: 'iam',
    summary:
      "A shopper's RFM scores, segment and price signals (admin); 404 for an id the shop has never seen",
  },
  {
    method: 'GET',
    path: '/v1/admin/segments',
    functionId: 'segments-admin',
    auth: 'iam',
    summary: 'The segment policy that serves: the stored one, or the built-in default',
  },
  {
    method: 'PUT',
    path: '/v1/admin/segments',
    functionId: 'segments-admin',
    auth: 'iam',
    summary:
      "Replace the segment policy: the RFM rule table and each segment's related and scene fill strategy (201 created, 200 replaced; a 400 names each wrong field)",
  },
  // Quoting is open at the gateway on purpose: a guest may quote, and an HTTP API JWT authorizer
  // refuses requests without a token. Redeeming and group buys are for signed-in shoppers only:
  // API Gateway's JWT authorizer turns away a missing or invalid token before the function runs
  // (`jwt`). The function verifies the bearer token itself on every route (functions/lib/auth.ts).
  {
    method: 'POST',
    path: '/v1/quotes',
    functionId: 'pricing',
    auth: 'none',
    summary: 'Price a cart for the shopper of the bearer token (or a guest): a signed, explained quote',
  },
  {
    method: 'GET',
    path: '/v1/quotes/{quoteId}',
    functionId: 'pricing',
    auth: 'none',
    summary: 'A stored quote, and whether its signature and expiry still hold',
  },
  {
    method: 'POST',
    path: '/v1/quotes/{quoteId}/redeem',
    functionId: 'pricing',
    auth: 'jwt',
    summary: 'Redeem a quote once (Idempotency-Key header): consumes coupon uses, budget and flash stock',
  },
  {
    method: 'POST',
    path: '/v1/groups',
    functionId: 'pricing',
    auth: 'jwt',
    summary: 'Open a group for a group-buy promotion (signed-in shoppers)',
  },
  {
    method: 'POST',
    path: '/v1/groups/{groupId}/members',
    functionId: 'pricing',
    auth: 'jwt',
    summary: 'Join a group, once per shopper',
  },
] as const satisfies readonly RouteDecl[];
