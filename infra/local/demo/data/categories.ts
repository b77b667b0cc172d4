import type { Rng } from './prng.ts';

/**
 * The demo storefront's category plan: what a category sells, in what price bands, under which
 * brands, with which tags and attributes, and what shoppers type into search to find it.
 * Prices here are in yuan; the catalog turns them into fen.
 */

export type Tier = 'budget' | 'mid' | 'premium';
export type Family =
  | 'outdoor'
  | 'office'
  | 'electronics'
  | 'kitchen'
  | 'food'
  | 'beauty'
  | 'kids'
  | 'fitness'
  | 'garden'
  | 'travel';

type AttrValue = string | number | boolean;

export interface ItemKind {
  noun: string;
  /** Tags every product of this kind carries, e.g. a hot pot carries `hot-pot`. */
  tags?: readonly string[];
}

export interface AttrResult {
  attributes: Record<string, AttrValue>;
  /** Goes between adjective and noun in the title, e.g. "4-Person". */
  qualifier?: string;
  tags?: string[];
}

export interface CategorySpec {
  slug: string;
  name: { en: string; zh: string };
  family: Family;
  consumable: boolean;
  /** Relative number of products in the catalog. */
  share: number;
  /** Relative shopper interest per product. */
  demand: number;
  /** Price bands in yuan: budget [0,1), mid [1,2), premium [2,3]. */
  band: readonly [number, number, number, number];
  items: readonly ItemKind[];
  adjectives: readonly string[];
  /** Optional feature tags, 0-2 of which a product gets. */
  features: readonly string[];
  baseTags: readonly string[];
  /** Search queries that lead to this category (English and Chinese, as shoppers type them). */
  queries: readonly string[];
  attrs: (r: Rng, tier: Tier, item: ItemKind) => AttrResult;
}

/** Adjectives in titles that imply a tag. */
export const ADJECTIVE_TAGS: Readonly<Record<string, string>> = {
  Waterproof: 'waterproof',
  Ultralight: 'ultralight',
  Family: 'family',
  Ergonomic: 'ergonomic',
  Rechargeable: 'rechargeable',
  Portable: 'portable',
  Foldable: 'foldable',
  Insulated: 'insulated',
  Organic: 'organic',
  Wireless: 'wireless',
  Windproof: 'windproof',
  'Non-Slip': 'non-slip',
  Breathable: 'breathable',
  'Eye-Care': 'eye-care',
  Nonstick: 'nonstick',
  Spicy: 'spicy',
  Educational: 'educational',
  'Quick-Dry': 'quick-dry',
  Solar: 'solar',
  Warm: 'warm',
  Washable: 'washable',
  'Eco-Friendly': 'eco',
  Leakproof: 'leakproof',
  'BPA-Free': 'bpa-free',
  'Fragrance-Free': 'fragrance-free',
  Cushioned: 'cushioned',
  Adjustable: 'adjustable',
  Dimmable: 'dimmable',
  'Single-Origin': 'single-origin',
  'Non-Toxic': 'non-toxic',
};

export const BRANDS: Readonly<Record<Family, readonly string[]>> = {
  outdoor: [
    'Northpeak',
    'Trailcraft',
    'Pinecrest',
    'Campwell',
    'Wildroot',
    'Summitry',
    'Kailas Ridge',
    'Yunshan',
  ],
  office: ['Deskwise', 'Ergonova', 'Worknest', 'Lumiere Home', 'Studiora', 'Flexspace'],
  electronics: ['Pixelline', 'Keyforge', 'Voltgo', 'Lumenix', 'Brightwave', 'Zenbyte'],
  kitchen: ['Ironleaf', 'Hearthware', 'Qingci', 'Copperfield', 'Kitchenary', 'Jade Porcelain', 'Wokmaster'],
  food: [
    'Morning Bay',
    'Leaf & Cup',
    'Shanlin',
    'Nutty Days',
    'Red Pepper House',
    'Golden Harvest',
    'Teahill',
  ],
  beauty: ['Lumiskin', 'Aqualis', 'Hanfang', 'Purebloom', 'Dewlab'],
  kids: ['Tinkertots', 'Happy Panda', 'Brightminds', 'Playfold', 'Little Maker'],
  fitness: ['Flowfit', 'Stridelab', 'Zenmat', 'Pacer', 'Corestrong', 'Lotusline'],
  garden: ['Greenbalcony', 'Sproutly', 'Terraloom', 'Leafy Days', 'Potwell'],
  travel: ['Wayfare', 'Carryon Co', 'Jetlite', 'Nomadik', 'Roamwell'],
};

const OUTDOOR_COLORS = ['green', 'khaki', 'orange', 'grey', 'navy', 'olive', 'sand'];
const HOME_COLORS = ['white', 'black', 'grey', 'oak', 'walnut', 'beige'];
const BRIGHT_COLORS = ['red', 'blue', 'pink', 'yellow', 'green', 'purple', 'black', 'white'];

const MONITOR_KINDS: Record<string, [number[], string]> = {
  'FHD Monitor': [[24, 27], '1920x1080'],
  'QHD Monitor': [[27, 32], '2560x1440'],
  '4K Monitor': [[27, 32], '3840x2160'],
  'Ultrawide Monitor': [[34], '3440x1440'],
  'Portable Monitor': [[15.6, 16], '1920x1080'],
};
const ELECTRIC_COFFEE = new Set(['Espresso Machine', 'Drip Coffee Maker', 'Burr Grinder']);

const round1 = (x: number) => Math.round(x * 10) / 10;
const tierScale = <T>(tier: Tier, budget: T, mid: T, premium: T): T =>
  tier === 'budget' ? budget : tier === 'mid' ? mid : premium;

export const CATEGORIES: readonly CategorySpec[] = [
  // ---------------------------------------------------------------- outdoor
  {
    slug: 'tents',
    name: { en: 'Tents', zh: '帐篷' },
    family: 'outdoor',
    consumable: false,
    share: 1.2,
    demand: 1.1,
    band: [159, 399, 1099, 4299],
    items: [
      { noun: 'Dome Tent' },
      { noun: 'Tunnel Tent' },
      { noun: 'Backpacking Tent', tags: ['ultralight', 'hiking'] },
      { noun: 'Cabin Tent', tags: ['family'] },
      { noun: 'Instant Pop-Up Tent', tags: ['quick-setup'] },
      { noun: 'Canopy Shelter', tags: ['sun-protection'] },
    ],
    adjectives: ['Waterproof', 'All-Season', 'Family', 'Windproof', 'Quick-Pitch', 'Trailhead'],
    features: ['waterproof', 'windproof', 'quick-setup', 'family'],
    baseTags: ['outdoor', 'camping'],
    queries: ['tent', 'camping tent', '4 person tent', '帐篷', '露营帐篷', '户外帐篷', 'waterproof tent'],
    attrs: (r, tier, item) => {
      const capacity =
        item.noun === 'Backpacking Tent'
          ? r.pick([1, 2, 2, 3])
          : item.noun === 'Cabin Tent'
            ? r.pick([4, 6, 6, 8])
            : r.pick([2, 3, 4, 4, 6]);
      const weightKg = round1(0.8 + capacity * r.between(0.5, 1.0) * tierScale(tier, 1.2, 1, 0.7));
      return {
        attributes: {
          capacity,
          weightKg,
          color: r.pick(OUTDOOR_COLORS),
          waterproofMm: tierScale(tier, 1500, r.pick([2000, 3000]), r.pick([3000, 5000])),
          seasons: r.pick(['3-season', '3-season', '4-season']),
        },
        qualifier: `${capacity}-Person`,
      };
    },
  },
  {
    slug: 'camping-lamps',
    name: { en: 'Camping lamps', zh: '露营灯' },
    family: 'outdoor',
    consumable: false,
    share: 1,
    demand: 1,
    band: [29, 79, 199, 599],
    items: [
      { noun: 'Camping Lantern' },
      { noun: 'Headlamp', tags: ['hiking'] },
      { noun: 'String Lights', tags: ['decor'] },
      { noun: 'Tent Light' },
      { noun: 'Retro Oil-Style Lantern', tags: ['decor'] },
    ],
    adjectives: ['Rechargeable', 'Waterproof', 'Solar', 'Dimmable', 'Magnetic'],
    features: ['rechargeable', 'waterproof', 'usb-c', 'solar'],
    baseTags: ['outdoor', 'camping'],
    queries: ['camping lantern', 'camping lamp', '露营灯', '营地灯', 'headlamp', '头灯', '氛围灯'],
    attrs: (r, tier) => ({
      attributes: {
        lumens: tierScale(tier, r.pick([100, 200, 300]), r.pick([300, 500, 800]), r.pick([800, 1000, 1500])),
        batteryHours: r.int(6, 60),
        rechargeable: r.chance(0.8),
        color: r.pick(OUTDOOR_COLORS),
      },
    }),
  },
  {
    slug: 'camping-stoves',
    name: { en: 'Camping stoves', zh: '露营炉具' },
    family: 'outdoor',
    consumable: false,
    share: 0.9,
    demand: 0.9,
    band: [59, 149, 399, 1299],
    items: [
      { noun: 'Gas Stove' },
      { noun: 'Backpacking Stove', tags: ['ultralight', 'hiking'] },
      { noun: 'Double Burner Stove', tags: ['family'] },
      { noun: 'Cassette Stove', tags: ['hot-pot'] },
      { noun: 'Fireside Tea Stove', tags: ['tea'] },
    ],
    adjectives: ['Portable', 'Windproof', 'Foldable', 'Compact', 'Ultralight'],
    features: ['windproof', 'portable'],
    baseTags: ['outdoor', 'camping'],
    queries: ['camping stove', '卡式炉', '户外炉具', '露营炉', 'gas stove', '围炉煮茶'],
    attrs: (r, tier) => ({
      attributes: {
        outputW: r.pick([1800, 2300, 2900, 3500]),
        weightKg: round1(r.between(0.3, 3.5) * tierScale(tier, 1.2, 1, 0.8)),
        fuel: r.pick(['butane', 'butane', 'isobutane', 'charcoal']),
      },
    }),
  },
  {
    slug: 'camping-chairs',
    name: { en: 'Camping chairs', zh: '露营椅' },
    family: 'outdoor',
    consumable: false,
    share: 1,
    demand: 1,
    band: [39, 119, 399, 1299],
    items: [
      { noun: 'Folding Chair' },
      { noun: 'Moon Chair' },
      { noun: 'Director Chair' },
      { noun: 'Camp Stool', tags: ['ultralight'] },
      { noun: 'Reclining Chair' },
    ],
    adjectives: ['Ultralight', 'Portable', 'Foldable', 'Family', 'Heavy-Duty'],
    features: ['portable', 'family'],
    baseTags: ['outdoor', 'camping'],
    queries: ['camping chair', '折叠椅', '月亮椅', '露营椅', 'folding chair'],
    attrs: (r, tier) => ({
      attributes: {
        maxLoadKg: r.pick([100, 120, 150, 180]),
        weightKg: round1(r.between(0.8, 4.5) * tierScale(tier, 1.1, 1, 0.7)),
        color: r.pick(OUTDOOR_COLORS),
      },
    }),
  },
  {
    slug: 'sleeping-bags',
    name: { en: 'Sleeping bags', zh: '睡袋' },
    family: 'outdoor',
    consumable: false,
    share: 0.9,
    demand: 0.9,
    band: [69, 199, 699, 2999],
    items: [
      { noun: 'Mummy Sleeping Bag' },
      { noun: 'Envelope Sleeping Bag' },
      { noun: 'Down Sleeping Bag', tags: ['warm'] },
      { noun: 'Kids Sleeping Bag', tags: ['kids', 'family'] },
      { noun: 'Double Sleeping Bag', tags: ['family'] },
    ],
    adjectives: ['Ultralight', 'Warm', 'Compact', 'All-Season', 'Washable'],
    features: ['warm', 'ultralight', 'washable'],
    baseTags: ['outdoor', 'camping'],
    queries: ['sleeping bag', '睡袋', '露营睡袋', 'down sleeping bag', '羽绒睡袋'],
    attrs: (r, tier) => {
      const comfortTempC = r.pick([-10, -5, 0, 5, 10, 15]);
      return {
        attributes: {
          comfortTempC,
          fill: tier === 'premium' ? 'down' : r.pick(['synthetic', 'synthetic', 'down']),
          weightKg: round1(r.between(0.6, 2.4) * tierScale(tier, 1.2, 1, 0.7)),
        },
        qualifier: `${comfortTempC}°C`,
      };
    },
  },
  {
    slug: 'coolers',
    name: { en: 'Coolers', zh: '保温箱' },
    family: 'outdoor',
    consumable: false,
    share: 0.9,
    demand: 0.9,
    band: [49, 159, 599, 2499],
    items: [
      { noun: 'Hard Cooler' },
      { noun: 'Soft Cooler Bag', tags: ['picnic'] },
      { noun: 'Cooler Backpack', tags: ['picnic'] },
      { noun: 'Electric Car Cooler' },
    ],
    adjectives: ['Insulated', 'Portable', 'Heavy-Duty', 'Leakproof'],
    features: ['insulated', 'portable', 'picnic'],
    baseTags: ['outdoor'],
    queries: ['cooler', '保温箱', '冰桶', 'cooler bag', '车载冰箱'],
    attrs: (r) => {
      const capacityL = r.pick([10, 15, 20, 25, 35, 45, 60]);
      return {
        attributes: { capacityL, iceDays: r.int(1, 6), color: r.pick(OUTDOOR_COLORS) },
        qualifier: `${capacityL}L`,
      };
    },
  },
  {
    slug: 'picnic-blankets',
    name: { en: 'Picnic blankets', zh: '野餐垫' },
    family: 'outdoor',
    consumable: false,
    share: 0.8,
    demand: 0.9,
    band: [29, 69, 169, 499],
    items: [
      { noun: 'Picnic Blanket' },
      { noun: 'Waterproof Picnic Mat', tags: ['waterproof'] },
      { noun: 'Oversized Picnic Rug', tags: ['family'] },
      { noun: 'Sand-Free Beach Blanket', tags: ['beach'] },
    ],
    adjectives: ['Foldable', 'Washable', 'Plaid', 'Portable', 'Family'],
    features: ['foldable', 'washable'],
    baseTags: ['outdoor', 'picnic'],
    queries: ['picnic blanket', '野餐垫', 'picnic mat', '防潮垫'],
    attrs: (r) => ({
      attributes: {
        sizeCm: r.pick(['150x200', '200x200', '200x300']),
        color: r.pick(['red plaid', 'green plaid', 'beige', 'blue stripe', 'yellow']),
        machineWashable: r.chance(0.6),
      },
    }),
  },
  {
    slug: 'picnic-baskets',
    name: { en: 'Picnic baskets', zh: '野餐篮' },
    family: 'outdoor',
    consumable: false,
    share: 0.7,
    demand: 0.8,
    band: [49, 129, 329, 999],
    items: [
      { noun: 'Wicker Picnic Basket' },
      { noun: 'Insulated Picnic Basket', tags: ['insulated'] },
      { noun: 'Picnic Backpack' },
      { noun: 'Picnic Set for 4', tags: ['family'] },
    ],
    adjectives: ['Classic', 'Family', 'Handwoven', 'Collapsible'],
    features: ['family', 'gift'],
    baseTags: ['outdoor', 'picnic'],
    queries: ['picnic basket', '野餐篮', 'picnic set', '野餐套装'],
    attrs: (r) => ({
      attributes: {
        servings: r.pick([2, 4, 4, 6]),
        material: r.pick(['wicker', 'willow', 'canvas', 'bamboo']),
      },
    }),
  },
  {
    slug: 'backpacks',
    name: { en: 'Backpacks', zh: '双肩包' },
    family: 'outdoor',
    consumable: false,
    share: 1.1,
    demand: 1.1,
    band: [59, 169, 499, 1999],
    items: [
      { noun: 'Daypack' },
      { noun: 'Hiking Backpack', tags: ['hiking'] },
      { noun: 'Laptop Backpack', tags: ['office', 'travel'] },
      { noun: 'School Backpack', tags: ['school', 'kids'] },
      { noun: 'Travel Backpack', tags: ['travel'] },
    ],
    adjectives: ['Waterproof', 'Ultralight', 'Anti-Theft', 'Everyday', 'Expandable'],
    features: ['waterproof', 'ultralight'],
    baseTags: ['bags'],
    queries: ['backpack', '双肩包', '背包', 'school bag', '书包', 'laptop backpack', '登山包'],
    attrs: (r) => {
      const capacityL = r.pick([15, 20, 25, 30, 40, 55]);
      return {
        attributes: { capacityL, color: r.pick(OUTDOOR_COLORS), laptopInches: r.pick([0, 14, 15.6, 16]) },
        qualifier: `${capacityL}L`,
      };
    },
  },
  {
    slug: 'beach-gear',
    name: { en: 'Beach gear', zh: '沙滩用品' },
    family: 'outdoor',
    consumable: false,
    share: 0.8,
    demand: 0.8,
    band: [29, 89, 249, 899],
    items: [
      { noun: 'Beach Umbrella', tags: ['sun-protection'] },
      { noun: 'Beach Towel' },
      { noun: 'Beach Tent', tags: ['sun-protection', 'family'] },
      { noun: 'Sand Toy Set', tags: ['kids'] },
      { noun: 'Snorkel Set' },
    ],
    adjectives: ['Portable', 'Quick-Dry', 'Family', 'Windproof', 'Lightweight'],
    features: ['portable', 'family'],
    baseTags: ['outdoor', 'beach'],
    queries: ['beach umbrella', '沙滩巾', '遮阳伞', '沙滩玩具', 'beach towel', '浮潜'],
    attrs: (r) => ({ attributes: { color: r.pick(BRIGHT_COLORS), upf: r.pick([30, 50, 50]) } }),
  },
  {
    slug: 'water-bottles',
    name: { en: 'Water bottles', zh: '水杯' },
    family: 'outdoor',
    consumable: false,
    share: 1,
    demand: 1.3,
    band: [19, 59, 169, 499],
    items: [
      { noun: 'Insulated Bottle', tags: ['insulated'] },
      { noun: 'Sports Bottle', tags: ['running', 'yoga'] },
      { noun: 'Kids Water Bottle', tags: ['kids', 'school'] },
      { noun: 'Glass Bottle' },
      { noun: 'Thermos Flask', tags: ['insulated', 'tea'] },
    ],
    adjectives: ['Leakproof', 'Insulated', 'Ultralight', 'BPA-Free', 'Everyday'],
    features: ['bpa-free', 'leakproof'],
    baseTags: ['drinkware'],
    queries: ['water bottle', '保温杯', '水杯', '运动水壶', 'thermos', '儿童水杯'],
    attrs: (r) => {
      const capacityMl = r.pick([350, 500, 600, 750, 1000]);
      return { attributes: { capacityMl, color: r.pick(BRIGHT_COLORS) }, qualifier: `${capacityMl}ml` };
    },
  },
  // ---------------------------------------------------------------- office
  {
    slug: 'desks',
    name: { en: 'Desks', zh: '书桌' },
    family: 'office',
    consumable: false,
    share: 0.9,
    demand: 1,
    band: [199, 599, 1999, 6999],
    items: [
      { noun: 'Standing Desk', tags: ['ergonomic', 'adjustable'] },
      { noun: 'Writing Desk' },
      { noun: 'L-Shaped Corner Desk' },
      { noun: 'Computer Desk' },
      { noun: 'Kids Study Desk', tags: ['kids', 'school', 'adjustable'] },
    ],
    adjectives: ['Ergonomic', 'Solid-Wood', 'Minimalist', 'Electric', 'Compact'],
    features: ['adjustable', 'cable-management'],
    baseTags: ['office', 'home-office'],
    queries: ['desk', '书桌', '电脑桌', 'standing desk', '升降桌', '办公桌'],
    attrs: (r, _tier, item) => {
      const widthCm = item.tags?.includes('kids')
        ? r.pick([80, 100, 120])
        : r.pick([100, 120, 140, 160, 180]);
      return {
        attributes: { widthCm, depthCm: r.pick([60, 70, 80]), color: r.pick(HOME_COLORS) },
        qualifier: `${widthCm}cm`,
      };
    },
  },
  {
    slug: 'office-chairs',
    name: { en: 'Office chairs', zh: '办公椅' },
    family: 'office',
    consumable: false,
    share: 1,
    demand: 1.1,
    band: [199, 699, 1999, 7999],
    items: [
      { noun: 'Mesh Office Chair' },
      { noun: 'Executive Chair' },
      { noun: 'Task Chair' },
      { noun: 'Gaming Chair', tags: ['gaming'] },
      { noun: 'Kneeling Chair', tags: ['ergonomic'] },
    ],
    adjectives: ['Ergonomic', 'Breathable', 'High-Back', 'Reclining', 'Adjustable'],
    features: ['ergonomic', 'lumbar-support'],
    baseTags: ['office', 'home-office'],
    queries: ['office chair', '人体工学椅', '办公椅', 'ergonomic chair', '电竞椅'],
    attrs: (r, tier) => ({
      attributes: {
        lumbarSupport: tier !== 'budget' || r.chance(0.4),
        armrests: tierScale(tier, '2D', '3D', '4D'),
        maxLoadKg: r.pick([120, 136, 150]),
        color: r.pick(['black', 'grey', 'white']),
      },
    }),
  },
  {
    slug: 'monitor-arms',
    name: { en: 'Monitor arms', zh: '显示器支架' },
    family: 'office',
    consumable: false,
    share: 0.7,
    demand: 0.8,
    band: [79, 199, 499, 1499],
    items: [
      { noun: 'Single Monitor Arm' },
      { noun: 'Dual Monitor Arm' },
      { noun: 'Gas Spring Monitor Arm' },
      { noun: 'Laptop Arm' },
    ],
    adjectives: ['Ergonomic', 'Heavy-Duty', 'Aluminium', 'Adjustable'],
    features: ['ergonomic', 'adjustable'],
    baseTags: ['office', 'home-office'],
    queries: ['monitor arm', '显示器支架', '显示器机械臂', 'monitor stand'],
    attrs: (r) => ({
      attributes: { maxScreenInches: r.pick([27, 32, 35]), loadKg: r.pick([6, 8, 9, 12]), vesa: '75/100' },
    }),
  },
  {
    slug: 'desk-lamps',
    name: { en: 'Desk lamps', zh: '台灯' },
    family: 'office',
    consumable: false,
    share: 0.9,
    demand: 0.9,
    band: [49, 129, 399, 1499],
    items: [
      { noun: 'LED Desk Lamp' },
      { noun: 'Monitor Light Bar' },
      { noun: 'Architect Lamp' },
      { noun: 'Kids Reading Lamp', tags: ['kids', 'school'] },
    ],
    adjectives: ['Eye-Care', 'Dimmable', 'Rechargeable', 'Minimalist', 'Foldable'],
    features: ['eye-care', 'usb-c'],
    baseTags: ['office', 'home-office'],
    queries: ['desk lamp', '台灯', '护眼台灯', '屏幕挂灯', 'monitor light'],
    attrs: (r) => ({
      attributes: {
        colorTempK: r.pick(['2700-6500', '3000-6000', '4000']),
        dimmable: r.chance(0.85),
        color: r.pick(['white', 'black', 'silver']),
      },
    }),
  },
  {
    slug: 'monitors',
    name: { en: 'Monitors', zh: '显示器' },
    family: 'electronics',
    consumable: false,
    share: 0.8,
    demand: 0.8,
    band: [599, 1199, 2499, 7999],
    items: [
      { noun: 'FHD Monitor' },
      { noun: 'QHD Monitor' },
      { noun: '4K Monitor' },
      { noun: 'Ultrawide Monitor' },
      { noun: 'Portable Monitor', tags: ['travel', 'portable'] },
    ],
    adjectives: ['Eye-Care', 'Frameless', 'Gaming', 'Professional', 'USB-C'],
    features: ['eye-care', 'usb-c', 'gaming'],
    baseTags: ['office', 'home-office'],
    queries: ['monitor', '显示器', '4k monitor', '4K显示器', '电脑显示器', 'ultrawide'],
    attrs: (r, _tier, item) => {
      const [sizes, resolution] = MONITOR_KINDS[item.noun] ?? [[27], '2560x1440'];
      const sizeInches = r.pick(sizes);
      return {
        attributes: { sizeInches, resolution, refreshHz: r.pick([60, 75, 144, 165]) },
        qualifier: `${sizeInches}-Inch`,
      };
    },
  },
  {
    slug: 'keyboards',
    name: { en: 'Keyboards', zh: '键盘' },
    family: 'electronics',
    consumable: false,
    share: 0.9,
    demand: 1,
    band: [59, 199, 599, 1999],
    items: [
      { noun: 'Mechanical Keyboard' },
      { noun: 'Wireless Keyboard', tags: ['wireless'] },
      { noun: 'Low-Profile Keyboard' },
      { noun: 'Keyboard and Mouse Set' },
      { noun: 'Split Ergonomic Keyboard', tags: ['ergonomic'] },
    ],
    adjectives: ['Wireless', 'Rechargeable', 'Silent', 'Compact', 'Hot-Swap'],
    features: ['wireless', 'rechargeable', 'usb-c'],
    baseTags: ['office', 'home-office'],
    queries: ['keyboard', '键盘', 'mechanical keyboard', '机械键盘', '无线键盘'],
    attrs: (r) => ({
      attributes: {
        layout: r.pick(['full', 'tkl', '75%', '65%']),
        switches: r.pick(['red', 'brown', 'blue', 'scissor']),
        wireless: r.chance(0.6),
      },
    }),
  },
  {
    slug: 'stationery',
    name: { en: 'Stationery', zh: '文具' },
    family: 'office',
    consumable: true,
    share: 1,
    demand: 1.1,
    band: [9, 25, 69, 199],
    items: [
      { noun: 'Notebook Set' },
      { noun: 'Gel Pen Pack' },
      { noun: 'Highlighter Set' },
      { noun: 'Sticky Notes Bundle' },
      { noun: 'Fountain Pen Set', tags: ['gift'] },
    ],
    adjectives: ['Smooth-Writing', 'Colourful', 'Minimalist', 'Refillable'],
    features: ['school', 'gift'],
    baseTags: ['office', 'school'],
    queries: ['stationery', '文具', '笔记本', 'gel pens', '中性笔', '开学文具'],
    attrs: (r) => {
      const count = r.pick([3, 5, 6, 10, 12, 24]);
      return { attributes: { count, color: r.pick(BRIGHT_COLORS) }, qualifier: `${count}-Pack` };
    },
  },
  // ---------------------------------------------------------------- kitchen
  {
    slug: 'cookware',
    name: { en: 'Cookware', zh: '锅具' },
    family: 'kitchen',
    consumable: false,
    share: 1.1,
    demand: 1,
    band: [59, 169, 499, 1999],
    items: [
      { noun: 'Frying Pan' },
      { noun: 'Cast Iron Skillet' },
      { noun: 'Stainless Stockpot' },
      { noun: 'Wok' },
      { noun: 'Divided Hot Pot', tags: ['hot-pot', 'family'] },
      { noun: 'Clay Casserole Pot', tags: ['hot-pot'] },
    ],
    adjectives: ['Nonstick', 'Induction-Ready', 'Family', 'Pre-Seasoned', 'Tri-Ply'],
    features: ['induction', 'family'],
    baseTags: ['kitchen'],
    queries: ['cookware', '炒锅', '不粘锅', 'wok', '火锅锅', '鸳鸯锅', 'frying pan'],
    attrs: (r) => {
      const diameterCm = r.pick([20, 24, 26, 28, 30, 32]);
      return {
        attributes: {
          diameterCm,
          material: r.pick(['cast iron', 'stainless steel', 'aluminium', 'ceramic']),
        },
        qualifier: `${diameterCm}cm`,
      };
    },
  },
  {
    slug: 'tableware',
    name: { en: 'Tableware', zh: '餐具' },
    family: 'kitchen',
    consumable: false,
    share: 1,
    demand: 1,
    band: [19, 59, 169, 599],
    items: [
      { noun: 'Cutlery Set' },
      { noun: 'Chopsticks Set', tags: ['hot-pot'] },
      { noun: 'Glass Tumblers' },
      { noun: 'Ceramic Mug', tags: ['coffee'] },
      { noun: 'Coffee Cup Set', tags: ['coffee'] },
      { noun: 'Kung Fu Tea Set', tags: ['tea'] },
    ],
    adjectives: ['Handmade', 'Minimalist', 'Family', 'Dishwasher-Safe', 'Gift-Boxed'],
    features: ['family', 'gift'],
    baseTags: ['kitchen'],
    queries: ['tableware', '餐具', '筷子', 'mug', '马克杯', '茶具', 'coffee cup'],
    attrs: (r, _tier, item) => {
      const pieces = item.noun === 'Ceramic Mug' ? r.pick([1, 1, 2]) : r.pick([2, 4, 6, 8, 10]);
      return {
        attributes: {
          pieces,
          material: r.pick(['ceramic', 'glass', 'stainless steel', 'bamboo', 'porcelain']),
        },
        qualifier: pieces > 1 ? `${pieces}-Piece` : undefined,
      };
    },
  },
  {
    slug: 'dinnerware',
    name: { en: 'Dinnerware', zh: '碗碟' },
    family: 'kitchen',
    consumable: false,
    share: 0.9,
    demand: 0.9,
    band: [29, 99, 299, 1299],
    items: [
      { noun: 'Dinner Set', tags: ['family'] },
      { noun: 'Rice Bowls' },
      { noun: 'Dinner Plates' },
      { noun: 'Hot Pot Sauce Dishes', tags: ['hot-pot'] },
      { noun: 'Serving Bowls' },
    ],
    adjectives: ['Porcelain', 'Stoneware', 'Bone China', 'Glazed', 'Family'],
    features: ['family', 'gift'],
    baseTags: ['kitchen'],
    queries: ['dinnerware', '碗碟', '碗', '盘子', 'dinner set', '餐具套装'],
    attrs: (r) => {
      const pieces = r.pick([4, 6, 8, 12, 16]);
      return {
        attributes: {
          pieces,
          dishwasherSafe: r.chance(0.8),
          color: r.pick(['white', 'celadon', 'blue', 'grey']),
        },
        qualifier: `${pieces}-Piece`,
      };
    },
  },
  {
    slug: 'kitchen-knives',
    name: { en: 'Kitchen knives', zh: '刀具' },
    family: 'kitchen',
    consumable: false,
    share: 0.8,
    demand: 0.8,
    band: [39, 129, 399, 1999],
    items: [
      { noun: "Chef's Knife" },
      { noun: 'Chinese Cleaver' },
      { noun: 'Knife Block Set', tags: ['family'] },
      { noun: 'Santoku Knife' },
      { noun: 'Paring Knife' },
    ],
    adjectives: ['Damascus', 'High-Carbon', 'Forged', 'Stainless'],
    features: ['gift'],
    baseTags: ['kitchen'],
    queries: ['kitchen knife', '菜刀', '刀具', 'chef knife', '厨师刀'],
    attrs: (r) => {
      const bladeCm = r.pick([9, 15, 18, 20, 21]);
      return {
        attributes: { bladeCm, steel: r.pick(['5Cr15', 'VG10', 'AUS-8', '440C']) },
        qualifier: `${bladeCm}cm`,
      };
    },
  },
  {
    slug: 'coffee-makers',
    name: { en: 'Coffee makers', zh: '咖啡器具' },
    family: 'kitchen',
    consumable: false,
    share: 0.8,
    demand: 0.9,
    band: [59, 199, 899, 4999],
    items: [
      { noun: 'Pour-Over Kit' },
      { noun: 'Espresso Machine' },
      { noun: 'Drip Coffee Maker' },
      { noun: 'Burr Grinder' },
      { noun: 'Moka Pot' },
      { noun: 'French Press' },
    ],
    adjectives: ['Compact', 'Classic', 'Stainless', 'Barista'],
    features: ['gift'],
    baseTags: ['kitchen', 'coffee'],
    queries: ['coffee maker', '咖啡机', '磨豆机', '手冲壶', 'espresso machine', 'moka pot'],
    attrs: (r, _tier, item) => ({
      attributes: {
        capacityMl: r.pick([300, 350, 600, 1200]),
        electric: ELECTRIC_COFFEE.has(item.noun),
        color: r.pick(HOME_COLORS),
      },
    }),
  },
  {
    slug: 'electric-cookers',
    name: { en: 'Electric cookers', zh: '厨房小电' },
    family: 'kitchen',
    consumable: false,
    share: 0.9,
    demand: 0.9,
    band: [99, 259, 699, 2499],
    items: [
      { noun: 'Electric Hot Pot', tags: ['hot-pot', 'family'] },
      { noun: 'Rice Cooker', tags: ['family'] },
      { noun: 'Multi-Cooker' },
      { noun: 'Air Fryer' },
      { noun: 'Electric Grill Pan', tags: ['hot-pot'] },
    ],
    adjectives: ['Smart', 'Family', 'Nonstick', 'Compact'],
    features: ['family', 'nonstick'],
    baseTags: ['kitchen'],
    queries: ['electric hot pot', '电火锅', '电饭煲', '空气炸锅', 'air fryer', 'rice cooker'],
    attrs: (r) => {
      const capacityL = r.pick([2, 3, 4, 5, 6]);
      return {
        attributes: { capacityL, powerW: r.pick([800, 1200, 1500, 2000]) },
        qualifier: `${capacityL}L`,
      };
    },
  },
  // ---------------------------------------------------------------- food
  {
    slug: 'coffee',
    name: { en: 'Coffee', zh: '咖啡' },
    family: 'food',
    consumable: true,
    share: 1,
    demand: 1.2,
    band: [19, 49, 119, 399],
    items: [
      { noun: 'Whole Bean Coffee' },
      { noun: 'Ground Coffee' },
      { noun: 'Drip Bag Coffee' },
      { noun: 'Cold Brew Concentrate' },
      { noun: 'Freeze-Dried Coffee' },
    ],
    adjectives: ['Single-Origin', 'Dark Roast', 'Medium Roast', 'Organic', 'Espresso Blend'],
    features: ['organic'],
    baseTags: ['coffee'],
    queries: ['coffee', '咖啡豆', 'coffee beans', '挂耳咖啡', '冷萃', '速溶咖啡'],
    attrs: (r) => {
      const weightG = r.pick([100, 200, 250, 500, 1000]);
      return {
        attributes: {
          weightG,
          roast: r.pick(['light', 'medium', 'dark']),
          origin: r.pick(['Yunnan', 'Ethiopia', 'Colombia', 'Brazil', 'Kenya']),
        },
        qualifier: `${weightG}g`,
      };
    },
  },
  {
    slug: 'tea',
    name: { en: 'Tea', zh: '茶叶' },
    family: 'food',
    consumable: true,
    share: 1,
    demand: 1,
    band: [19, 59, 199, 899],
    items: [
      { noun: 'Oolong Tea' },
      { noun: 'Jasmine Green Tea' },
      { noun: "Pu'er Tea Cake" },
      { noun: 'Black Tea' },
      { noun: 'Chrysanthemum Herbal Tea' },
    ],
    adjectives: ['Spring-Harvest', 'Organic', 'Hand-Picked', 'Aged', 'Gift-Boxed'],
    features: ['gift', 'organic'],
    baseTags: ['tea'],
    queries: ['tea', '茶叶', '乌龙茶', 'green tea', '普洱', '红茶', '围炉煮茶'],
    attrs: (r) => {
      const weightG = r.pick([50, 100, 250, 357, 500]);
      return {
        attributes: { weightG, origin: r.pick(['Fujian', 'Yunnan', 'Hangzhou', 'Anhui', 'Guangdong']) },
        qualifier: `${weightG}g`,
      };
    },
  },
  {
    slug: 'snacks',
    name: { en: 'Snacks', zh: '零食' },
    family: 'food',
    consumable: true,
    share: 1.3,
    demand: 1.3,
    band: [9, 29, 69, 199],
    items: [
      { noun: 'Mixed Nuts', tags: ['healthy'] },
      { noun: 'Beef Jerky' },
      { noun: 'Seaweed Snacks' },
      { noun: 'Dried Mango', tags: ['healthy'] },
      { noun: 'Rice Crackers' },
      { noun: 'Snack Gift Box', tags: ['gift', 'family'] },
    ],
    adjectives: ['Crunchy', 'Spicy', 'Lightly Salted', 'Organic', 'Family-Size'],
    features: ['picnic', 'family', 'healthy'],
    baseTags: ['snack'],
    queries: ['snacks', '零食', '坚果', '牛肉干', '零食大礼包', 'jerky'],
    attrs: (r) => {
      const weightG = r.pick([80, 150, 250, 500, 1000]);
      return {
        attributes: { weightG, flavor: r.pick(['original', 'spicy', 'sweet', 'salted']) },
        qualifier: `${weightG}g`,
      };
    },
  },
  {
    slug: 'condiments',
    name: { en: 'Condiments', zh: '调味品' },
    family: 'food',
    consumable: true,
    share: 0.8,
    demand: 0.9,
    band: [9, 25, 59, 199],
    items: [
      { noun: 'Hot Pot Soup Base', tags: ['hot-pot'] },
      { noun: 'Sesame Dipping Sauce', tags: ['hot-pot'] },
      { noun: 'Chili Crisp Oil' },
      { noun: 'Light Soy Sauce' },
      { noun: 'Mala Spice Mix', tags: ['hot-pot'] },
    ],
    adjectives: ['Spicy', 'Sichuan-Style', 'Traditional', 'Organic', 'Mild'],
    features: ['spicy'],
    baseTags: ['kitchen'],
    queries: ['火锅底料', 'hot pot base', '调料', 'chili oil', '麻酱', '辣椒油'],
    attrs: (r) => {
      const weightG = r.pick([150, 200, 400, 500]);
      return { attributes: { weightG, spiceLevel: r.int(0, 5) }, qualifier: `${weightG}g` };
    },
  },
  // ---------------------------------------------------------------- beauty
  {
    slug: 'skincare',
    name: { en: 'Skincare', zh: '护肤' },
    family: 'beauty',
    consumable: true,
    share: 1.2,
    demand: 1.2,
    band: [29, 99, 299, 1299],
    items: [
      { noun: 'Sunscreen SPF50', tags: ['sun-protection', 'beach'] },
      { noun: 'Moisturizer' },
      { noun: 'Facial Cleanser' },
      { noun: 'Hydrating Serum' },
      { noun: 'Sheet Mask Pack' },
      { noun: 'Travel Skincare Kit', tags: ['travel-size', 'travel'] },
    ],
    adjectives: ['Gentle', 'Hydrating', 'Fragrance-Free', 'Brightening', 'Soothing'],
    features: ['sensitive-skin', 'fragrance-free'],
    baseTags: ['beauty'],
    queries: ['skincare', '护肤', '防晒霜', 'sunscreen', '面霜', '精华', '面膜'],
    attrs: (r) => {
      const volumeMl = r.pick([30, 50, 100, 150]);
      return {
        attributes: { volumeMl, skinType: r.pick(['all', 'dry', 'oily', 'sensitive']) },
        qualifier: `${volumeMl}ml`,
      };
    },
  },
  // ---------------------------------------------------------------- kids
  {
    slug: 'kids-toys',
    name: { en: 'Kids toys', zh: '儿童玩具' },
    family: 'kids',
    consumable: false,
    share: 1.1,
    demand: 1,
    band: [29, 99, 299, 1299],
    items: [
      { noun: 'Building Blocks Set', tags: ['indoor'] },
      { noun: 'Plush Panda', tags: ['indoor'] },
      { noun: 'Remote Control Car' },
      { noun: 'Play Kitchen', tags: ['indoor'] },
      { noun: 'Wooden Train Set', tags: ['indoor'] },
      { noun: 'Magnetic Tiles', tags: ['indoor'] },
    ],
    adjectives: ['Educational', 'Colourful', 'Classic', 'Creative', 'Wooden'],
    features: ['educational', 'gift'],
    baseTags: ['kids'],
    queries: ['toys', '玩具', '积木', 'building blocks', '儿童玩具', '磁力片'],
    attrs: (r) => ({
      attributes: { ageFrom: r.pick([1, 3, 3, 4, 6, 8]), pieces: r.pick([1, 24, 60, 100, 300]) },
    }),
  },
  {
    slug: 'board-games',
    name: { en: 'Board games', zh: '桌游' },
    family: 'kids',
    consumable: false,
    share: 0.8,
    demand: 0.8,
    band: [29, 79, 199, 599],
    items: [
      { noun: 'Family Board Game', tags: ['family'] },
      { noun: 'Card Game' },
      { noun: 'Strategy Game' },
      { noun: 'Chinese Chess Set' },
      { noun: 'Memory Matching Game', tags: ['kids'] },
    ],
    adjectives: ['Family', 'Classic', 'Cooperative', 'Party', 'Educational'],
    features: ['family', 'gift'],
    baseTags: ['indoor', 'family'],
    queries: ['board game', '桌游', '卡牌游戏', '象棋', 'family game'],
    attrs: (r) => ({
      attributes: {
        players: r.pick(['2-4', '2-6', '3-8', '1-5']),
        ageFrom: r.pick([4, 6, 8, 10, 12]),
        minutes: r.pick([15, 30, 45, 60, 90]),
      },
    }),
  },
  {
    slug: 'art-supplies',
    name: { en: 'Art supplies', zh: '绘画手工' },
    family: 'kids',
    consumable: true,
    share: 0.8,
    demand: 0.8,
    band: [9, 39, 99, 399],
    items: [
      { noun: 'Watercolor Set' },
      { noun: 'Crayons' },
      { noun: 'Modeling Clay' },
      { noun: 'Sketchbook' },
      { noun: 'DIY Craft Kit' },
    ],
    adjectives: ['Washable', 'Non-Toxic', 'Colourful', 'Creative'],
    features: ['educational'],
    baseTags: ['kids', 'indoor'],
    queries: ['art supplies', '画笔', '水彩', '手工', '彩泥', '蜡笔'],
    attrs: (r) => {
      const pieces = r.pick([12, 24, 36, 48]);
      return { attributes: { pieces, ageFrom: r.pick([3, 4, 6]) }, qualifier: `${pieces}-Colour` };
    },
  },
  // ---------------------------------------------------------------- fitness
  {
    slug: 'yoga-mats',
    name: { en: 'Yoga mats', zh: '瑜伽垫' },
    family: 'fitness',
    consumable: false,
    share: 0.9,
    demand: 1,
    band: [39, 119, 399, 1299],
    items: [
      { noun: 'TPE Yoga Mat' },
      { noun: 'Natural Rubber Yoga Mat' },
      { noun: 'Travel Yoga Mat', tags: ['travel', 'ultralight'] },
      { noun: 'Thick Exercise Mat' },
    ],
    adjectives: ['Non-Slip', 'Eco-Friendly', 'Extra-Thick', 'Foldable', 'Alignment'],
    features: ['non-slip', 'eco'],
    baseTags: ['yoga', 'home-fitness'],
    queries: ['yoga mat', '瑜伽垫', '健身垫', 'exercise mat'],
    attrs: (r) => {
      const thicknessMm = r.pick([2, 4, 6, 8, 10]);
      return {
        attributes: { thicknessMm, lengthCm: r.pick([173, 183, 185]), color: r.pick(BRIGHT_COLORS) },
        qualifier: `${thicknessMm}mm`,
      };
    },
  },
  {
    slug: 'fitness-accessories',
    name: { en: 'Fitness accessories', zh: '健身配件' },
    family: 'fitness',
    consumable: false,
    share: 1,
    demand: 0.9,
    band: [19, 59, 199, 1299],
    items: [
      { noun: 'Yoga Block', tags: ['yoga'] },
      { noun: 'Resistance Bands', tags: ['yoga'] },
      { noun: 'Foam Roller' },
      { noun: 'Adjustable Dumbbells' },
      { noun: 'Jump Rope' },
      { noun: 'Yoga Strap', tags: ['yoga'] },
    ],
    adjectives: ['Non-Slip', 'Durable', 'Adjustable', 'Compact', 'Eco-Friendly'],
    features: ['home-fitness'],
    baseTags: ['home-fitness'],
    queries: ['yoga block', '瑜伽砖', '弹力带', 'foam roller', '哑铃', '跳绳'],
    attrs: (r) => ({
      attributes: {
        color: r.pick(BRIGHT_COLORS),
        material: r.pick(['EVA', 'cork', 'latex', 'steel', 'nylon']),
      },
    }),
  },
  {
    slug: 'running-shoes',
    name: { en: 'Running shoes', zh: '跑鞋' },
    family: 'fitness',
    consumable: false,
    share: 1,
    demand: 1.1,
    band: [199, 399, 899, 1699],
    items: [
      { noun: 'Road Running Shoes' },
      { noun: 'Trail Running Shoes', tags: ['outdoor', 'hiking'] },
      { noun: 'Cushioned Trainers' },
      { noun: 'Carbon Racing Shoes' },
    ],
    adjectives: ['Breathable', 'Lightweight', 'Cushioned', 'Responsive', 'Waterproof'],
    features: ['breathable', 'cushioned'],
    baseTags: ['running'],
    queries: ['running shoes', '跑鞋', '运动鞋', 'trail running shoes', '慢跑鞋'],
    attrs: (r) => ({
      attributes: {
        gender: r.pick(['men', 'women', 'unisex']),
        dropMm: r.pick([4, 6, 8, 10]),
        color: r.pick(BRIGHT_COLORS),
      },
    }),
  },
  {
    slug: 'activewear',
    name: { en: 'Activewear', zh: '运动服' },
    family: 'fitness',
    consumable: false,
    share: 1,
    demand: 1,
    band: [39, 129, 399, 1299],
    items: [
      { noun: 'Running T-Shirt', tags: ['running'] },
      { noun: 'Yoga Leggings', tags: ['yoga'] },
      { noun: 'Windbreaker Jacket', tags: ['outdoor', 'windproof'] },
      { noun: 'Sports Bra', tags: ['yoga', 'running'] },
      { noun: 'Training Shorts', tags: ['running'] },
    ],
    adjectives: ['Quick-Dry', 'Breathable', 'Seamless', 'Stretch', 'Lightweight'],
    features: ['quick-dry', 'breathable'],
    baseTags: ['sportswear'],
    queries: ['activewear', '运动服', 'leggings', '瑜伽裤', '速干衣', '跑步短裤'],
    attrs: (r) => ({
      attributes: {
        size: r.pick(['S', 'M', 'L', 'XL']),
        gender: r.pick(['men', 'women', 'unisex']),
        color: r.pick(BRIGHT_COLORS),
      },
    }),
  },
  // ---------------------------------------------------------------- garden
  {
    slug: 'planters',
    name: { en: 'Planters', zh: '花盆' },
    family: 'garden',
    consumable: false,
    share: 0.8,
    demand: 0.8,
    band: [19, 59, 169, 799],
    items: [
      { noun: 'Ceramic Planter' },
      { noun: 'Self-Watering Planter' },
      { noun: 'Hanging Planter' },
      { noun: 'Balcony Railing Planter' },
      { noun: 'Raised Garden Bed' },
    ],
    adjectives: ['Minimalist', 'Glazed', 'Lightweight', 'Drainage-Hole', 'Modern'],
    features: ['indoor', 'outdoor'],
    baseTags: ['garden', 'balcony'],
    queries: ['planter', '花盆', '种植箱', 'flower pot', '阳台花盆'],
    attrs: (r) => {
      const diameterCm = r.pick([12, 16, 20, 25, 30, 40]);
      return {
        attributes: {
          diameterCm,
          material: r.pick(['ceramic', 'plastic', 'terracotta', 'wood']),
          color: r.pick(HOME_COLORS),
        },
        qualifier: `${diameterCm}cm`,
      };
    },
  },
  {
    slug: 'gardening-tools',
    name: { en: 'Gardening tools', zh: '园艺工具' },
    family: 'garden',
    consumable: false,
    share: 0.7,
    demand: 0.7,
    band: [15, 49, 149, 599],
    items: [
      { noun: 'Pruning Shears' },
      { noun: 'Watering Can' },
      { noun: 'Garden Tool Set' },
      { noun: 'Hose Spray Nozzle' },
      { noun: 'Gardening Gloves' },
    ],
    adjectives: ['Ergonomic', 'Rust-Proof', 'Lightweight', 'Heavy-Duty'],
    features: ['ergonomic'],
    baseTags: ['garden', 'balcony'],
    queries: ['gardening tools', '园艺工具', '浇水壶', 'pruning shears', '园艺剪'],
    attrs: (r) => ({
      attributes: { material: r.pick(['steel', 'aluminium', 'plastic']), color: r.pick(OUTDOOR_COLORS) },
    }),
  },
  {
    slug: 'plant-care',
    name: { en: 'Plant care', zh: '土壤肥料' },
    family: 'garden',
    consumable: true,
    share: 0.7,
    demand: 0.7,
    band: [9, 25, 59, 199],
    items: [
      { noun: 'Potting Soil' },
      { noun: 'Herb Seed Kit' },
      { noun: 'Liquid Fertilizer' },
      { noun: 'Succulent Mix' },
      { noun: 'Slow-Release Plant Food' },
    ],
    adjectives: ['Organic', 'All-Purpose', 'Nutrient-Rich', 'Beginner'],
    features: ['organic'],
    baseTags: ['garden', 'balcony'],
    queries: ['potting soil', '营养土', '种子', 'fertilizer', '肥料', '多肉土'],
    attrs: (r) => {
      const weightKg = r.pick([0.5, 1, 2.5, 5, 10]);
      return { attributes: { weightKg }, qualifier: `${weightKg}kg` };
    },
  },
  // ---------------------------------------------------------------- travel
  {
    slug: 'luggage',
    name: { en: 'Luggage', zh: '行李箱' },
    family: 'travel',
    consumable: false,
    share: 0.9,
    demand: 0.9,
    band: [199, 499, 1299, 4999],
    items: [
      { noun: 'Carry-On Spinner' },
      { noun: 'Checked Suitcase' },
      { noun: 'Duffel Bag' },
      { noun: 'Hardshell Trolley' },
    ],
    adjectives: ['Ultralight', 'Expandable', 'Polycarbonate', 'Aluminium-Frame'],
    features: ['ultralight', 'tsa-lock'],
    baseTags: ['travel'],
    queries: ['luggage', '行李箱', 'suitcase', '登机箱', '拉杆箱'],
    attrs: (r) => {
      const sizeInches = r.pick([20, 20, 24, 26, 28]);
      return {
        attributes: {
          sizeInches,
          weightKg: round1(r.between(2.2, 5.5)),
          color: r.pick(['black', 'silver', 'navy', 'pink', 'green']),
        },
        qualifier: `${sizeInches}-Inch`,
      };
    },
  },
  {
    slug: 'travel-accessories',
    name: { en: 'Travel accessories', zh: '旅行配件' },
    family: 'travel',
    consumable: false,
    share: 0.9,
    demand: 0.9,
    band: [19, 49, 129, 399],
    items: [
      { noun: 'Packing Cubes' },
      { noun: 'Memory Foam Neck Pillow' },
      { noun: 'Universal Travel Adapter' },
      { noun: 'Toiletry Bag' },
      { noun: 'Digital Luggage Scale' },
    ],
    adjectives: ['Compact', 'Ultralight', 'Water-Resistant', 'Foldable'],
    features: ['ultralight'],
    baseTags: ['travel'],
    queries: ['packing cubes', '收纳袋', '颈枕', 'travel adapter', '转换插头', '洗漱包'],
    attrs: (r) => ({ attributes: { color: r.pick(['black', 'grey', 'navy', 'pink', 'olive']) } }),
  },
  {
    slug: 'power-banks',
    name: { en: 'Power banks', zh: '充电宝' },
    family: 'electronics',
    consumable: false,
    share: 0.9,
    demand: 1.1,
    band: [59, 149, 399, 2999],
    items: [
      { noun: 'Power Bank' },
      { noun: 'Magnetic Wireless Power Bank', tags: ['wireless'] },
      { noun: 'Slim Power Bank', tags: ['travel'] },
      { noun: 'Portable Power Station', tags: ['outdoor', 'camping'] },
    ],
    adjectives: ['Fast-Charging', 'Compact', 'Rechargeable', 'Airline-Safe'],
    features: ['usb-c', 'travel', 'rechargeable'],
    baseTags: ['electronics'],
    queries: ['power bank', '充电宝', '移动电源', '户外电源', 'portable charger'],
    attrs: (r, tier, item) => {
      const capacityMah =
        item.noun === 'Portable Power Station'
          ? r.pick([60000, 100000, 150000])
          : tierScale(tier, r.pick([5000, 10000]), r.pick([10000, 20000]), r.pick([20000, 25000]));
      return {
        attributes: { capacityMah, outputW: r.pick([20, 22.5, 65, 100]), usbC: true },
        qualifier: `${capacityMah}mAh`,
      };
    },
  },
];

export const CATEGORY_BY_SLUG: ReadonlyMap<string, CategorySpec> = new Map(
  CATEGORIES.map((c) => [c.slug, c]),
);
