import type { Product, Promotion, Scene } from '../../events/catalog.ts';
import type { Locale, MemberTier } from '../../events/common.ts';

/** The product facts pricing needs; `cost` never leaves the engine. */
export type PricedProduct = Pick<Product, 'productId' | 'title' | 'category' | 'tags' | 'listPrice' | 'cost'>;

export interface CartLine {
  product: PricedProduct;
  quantity: number;
}

/** A group-buy group as the server stores it. */
export interface GroupState {
  groupId: string;
  promotionId: string;
  members: number;
  size: number;
  status: 'open' | 'completed' | 'expired';
}

/** What the server knows about the shopper: never taken from the request body. */
export interface ShopperContext {
  /** null for a guest: no coupons, flash sales or groups, tier `none`. */
  userId: string | null;
  memberTier: MemberTier;
  /**
   * The shopper's RFM segment from the server's profile (models/segments `classify`); null or left
   * out: none (a guest, or no order yet), so offers limited to segments are not for them.
   */
  segment?: string | null | undefined;
  group?: GroupState | undefined;
  /** This shopper's past uses of each coupon promotion. */
  couponUses?: Readonly<Record<string, number>>;
  /** Uses of each coupon promotion so far, all shoppers (its budget is `totalBudgetUses`). */
  couponBudgetUsed?: Readonly<Record<string, number>>;
  /** Units sold so far of each flash sale, all shoppers (its stock is `stockCap`). */
  flashSold?: Readonly<Record<string, number>>;
  /** Units this shopper already bought of each flash sale (its limit is `perUserCap`). */
  flashBought?: Readonly<Record<string, number>>;
}

export interface QuoteInput {
  lines: readonly CartLine[];
  /** The promotion set; inactive ones (outside their window at `now`) are ignored. */
  promotions: readonly Promotion[];
  /** Scenes that scene bundles refer to. */
  scenes?: readonly Scene[];
  /** Products that gift promotions give away. */
  giftProducts?: readonly PricedProduct[];
  shopper: ShopperContext;
  couponCodes?: readonly string[];
  /** ISO instant the quote is priced at. */
  now: string;
  currency: string;
  /** The catalog's minimum margin over cost, in whole percent. */
  minMarginPercent: number;
  locale: Locale;
}
