import type { Scene, Slot } from '../../../../events/catalog.ts';

/**
 * The demo storefront's scenes (shopping by occasion). Besides the `Scene` contract each plan
 * says how popular the scene is, when its season peaks (month/day, wrapping over New Year), and
 * which products ride that season, so the behaviour simulation can make them rise with it.
 */

export type MonthDay = readonly [month: number, day: number];

export interface ScenePlan {
  scene: Scene;
  /** Relative share of scene-led sessions. */
  popularity: number;
  /** Peak window, e.g. winter hot pot from 1 Nov to the end of February. */
  peak?: { from: MonthDay; to: MonthDay };
  /** Products that follow the scene's season: in one of these categories or with one of these tags. */
  seasonal?: { categories?: readonly string[]; tags?: readonly string[] };
}

type SlotSpec = [
  slotId: string,
  en: string,
  zh: string,
  constraint: Slot['constraint'],
  quantity: number,
  required: boolean,
];

const slots = (specs: SlotSpec[]): Slot[] =>
  specs.map(([slotId, en, zh, constraint, quantity, required]) => ({
    slotId,
    title: { en, 'zh-CN': zh },
    constraint,
    quantity,
    required,
  }));

const cat = (...categories: string[]) => ({ categories });
const catTag = (categories: string[], tags: string[]) => ({ categories, tags });

export const SCENE_PLANS: readonly ScenePlan[] = [
  {
    popularity: 1.3,
    peak: { from: [9, 10], to: [10, 20] },
    seasonal: { categories: ['tents', 'camping-lamps', 'camping-stoves', 'camping-chairs', 'sleeping-bags'] },
    scene: {
      sceneId: 'camping-kit',
      title: { en: 'Camping kit', 'zh-CN': '露营装备' },
      summary: {
        en: 'Everything for a first night under the stars: shelter, light, a hot meal and somewhere to sit.',
        'zh-CN': '第一次露营需要的一切：帐篷、照明、热饭和舒服的座椅，一次配齐。',
      },
      guide: {
        en: [
          'Pick a tent one size bigger than your group: the extra room is for bags.',
          'Bring a lantern for the table and a headlamp for each person.',
          'Test the stove at home and pack one spare gas canister.',
          'Check the night temperature and choose a sleeping bag rated 5°C below it.',
        ],
        'zh-CN': [
          '帐篷选比人数大一号的，多出的空间放背包。',
          '桌上放一盏营地灯，每人再备一个头灯。',
          '出发前在家试一次炉头，多带一罐备用气罐。',
          '查好夜间气温，睡袋的舒适温标要比它低5°C。',
        ],
      },
      season: 'autumn',
      occasion: 'weekend-camping',
      slots: slots([
        ['tent', 'Tent', '帐篷', cat('tents'), 1, true],
        ['lamp', 'Lantern', '营地灯', cat('camping-lamps'), 1, true],
        ['stove', 'Stove', '炉具', cat('camping-stoves'), 1, true],
        ['chairs', 'Chairs', '露营椅', cat('camping-chairs'), 2, true],
        ['sleeping-bag', 'Sleeping bags', '睡袋', cat('sleeping-bags'), 2, true],
        ['cooler', 'Cooler', '保温箱', cat('coolers'), 1, false],
      ]),
      active: true,
    },
  },
  {
    popularity: 1.2,
    scene: {
      sceneId: 'home-office',
      title: { en: 'Home office', 'zh-CN': '居家办公' },
      summary: {
        en: 'A desk setup that is kind to your back and eyes, for long working days at home.',
        'zh-CN': '在家长时间办公，也要照顾好腰背和眼睛的桌面布置。',
      },
      guide: {
        en: [
          'Set the desk so your elbows rest at 90 degrees.',
          'Raise the monitor until the top edge is at eye level: a monitor arm frees the desk too.',
          'Light the desk from the side opposite your writing hand.',
          'Choose a chair with adjustable lumbar support.',
        ],
        'zh-CN': [
          '调整桌面高度，让手肘自然弯成90度。',
          '屏幕上沿与视线齐平，显示器支架还能腾出桌面空间。',
          '台灯放在惯用手的另一侧，避免阴影。',
          '选一把腰托可调的椅子。',
        ],
      },
      season: 'all-year',
      occasion: 'work-from-home',
      slots: slots([
        ['desk', 'Desk', '书桌', cat('desks'), 1, true],
        ['chair', 'Office chair', '办公椅', cat('office-chairs'), 1, true],
        ['monitor-arm', 'Monitor arm', '显示器支架', cat('monitor-arms'), 1, true],
        ['desk-lamp', 'Desk lamp', '台灯', cat('desk-lamps'), 1, true],
        ['keyboard', 'Keyboard', '键盘', cat('keyboards'), 1, true],
        ['monitor', 'Monitor', '显示器', cat('monitors'), 1, false],
      ]),
      active: true,
    },
  },
  {
    popularity: 1,
    peak: { from: [3, 15], to: [5, 15] },
    seasonal: { categories: ['picnic-blankets', 'picnic-baskets'] },
    scene: {
      sceneId: 'spring-picnic',
      title: { en: 'Spring picnic', 'zh-CN': '春日野餐' },
      summary: {
        en: 'A blanket under the blossoms, a basket of snacks and cold drinks for the afternoon.',
        'zh-CN': '在花树下铺一张野餐垫，带上一篮零食和冰饮，享受春日午后。',
      },
      guide: {
        en: [
          'A waterproof backing keeps the blanket dry on spring grass.',
          'Pack drinks in the cooler, snacks in the basket.',
          'Bring a bag for your rubbish.',
        ],
        'zh-CN': [
          '春天草地潮湿，选带防水底的野餐垫。',
          '饮料放保温箱，零食放野餐篮。',
          '记得带一个垃圾袋，不留痕迹。',
        ],
      },
      season: 'spring',
      occasion: 'picnic',
      slots: slots([
        ['blanket', 'Picnic blanket', '野餐垫', cat('picnic-blankets'), 1, true],
        ['basket', 'Picnic basket', '野餐篮', cat('picnic-baskets'), 1, true],
        ['cooler', 'Cooler', '保温箱', cat('coolers'), 1, true],
        ['snacks', 'Snacks', '零食', cat('snacks'), 3, true],
        ['bottle', 'Water bottle', '水杯', cat('water-bottles'), 2, false],
      ]),
      active: true,
    },
  },
  {
    popularity: 1,
    scene: {
      sceneId: 'family-dinner',
      title: { en: 'Family dinner', 'zh-CN': '家庭聚餐' },
      summary: {
        en: 'Cook a big meal for the whole family and serve it on a table that matches.',
        'zh-CN': '为全家做一桌好菜，再配上整套好看的餐具。',
      },
      guide: {
        en: [
          'One good wok and one stockpot cover most family dishes.',
          'A sharp cleaver makes prep faster and safer.',
          'Buy dinnerware in sets of six so guests always have a place.',
        ],
        'zh-CN': [
          '一口好炒锅加一口汤锅，就能应付大部分家常菜。',
          '一把锋利的菜刀让备菜又快又安全。',
          '碗碟按6件一套买，来客人也够用。',
        ],
      },
      season: 'all-year',
      occasion: 'family-gathering',
      slots: slots([
        ['cookware', 'Pot or pan', '锅具', cat('cookware'), 1, true],
        ['knife', 'Kitchen knife', '刀具', cat('kitchen-knives'), 1, true],
        ['dinnerware', 'Dinnerware', '碗碟', cat('dinnerware'), 1, true],
        ['tableware', 'Cutlery and chopsticks', '筷勺餐具', cat('tableware'), 1, false],
        ['cooker', 'Rice cooker', '电饭煲', cat('electric-cookers'), 1, false],
      ]),
      active: true,
    },
  },
  {
    popularity: 0.9,
    scene: {
      sceneId: 'morning-coffee',
      title: { en: 'Morning coffee corner', 'zh-CN': '晨间咖啡角' },
      summary: {
        en: 'A small corner of the kitchen for a proper cup before work.',
        'zh-CN': '在厨房留一个小角落，上班前好好喝一杯咖啡。',
      },
      guide: {
        en: ['Grind just before brewing.', 'Use water at 90-96°C for pour-over.', 'Warm the mug first.'],
        'zh-CN': ['现磨现冲，风味最好。', '手冲水温控制在90-96°C。', '先用热水温一下杯子。'],
      },
      season: 'all-year',
      occasion: 'daily-ritual',
      slots: slots([
        ['brewer', 'Coffee maker', '咖啡器具', cat('coffee-makers'), 1, true],
        ['beans', 'Coffee', '咖啡', cat('coffee'), 2, true],
        ['mug', 'Mug', '咖啡杯', catTag(['tableware'], ['coffee']), 2, true],
      ]),
      active: true,
    },
  },
  {
    popularity: 0.9,
    scene: {
      sceneId: 'yoga-at-home',
      title: { en: 'Yoga at home', 'zh-CN': '居家瑜伽' },
      summary: {
        en: 'A quiet practice space in the living room: mat, props and clothes that move with you.',
        'zh-CN': '在客厅里给自己留一块练习空间：瑜伽垫、辅具和舒适的衣服。',
      },
      guide: {
        en: [
          'A 6mm mat protects knees on hard floors.',
          'Blocks and straps help beginners reach poses safely.',
          'Keep water nearby.',
        ],
        'zh-CN': ['硬地板上选6mm厚的垫子保护膝盖。', '初学者用瑜伽砖和伸展带更安全。', '手边放一瓶水。'],
      },
      season: 'all-year',
      occasion: 'home-fitness',
      slots: slots([
        ['mat', 'Yoga mat', '瑜伽垫', cat('yoga-mats'), 1, true],
        ['props', 'Block or strap', '瑜伽辅具', catTag(['fitness-accessories'], ['yoga']), 2, true],
        ['leggings', 'Leggings', '瑜伽裤', catTag(['activewear'], ['yoga']), 1, false],
        ['bottle', 'Water bottle', '水杯', cat('water-bottles'), 1, false],
      ]),
      active: true,
    },
  },
  {
    popularity: 0.8,
    peak: { from: [6, 10], to: [7, 31] },
    seasonal: { categories: ['board-games', 'art-supplies'] },
    scene: {
      sceneId: 'kids-rainy-day',
      title: { en: "Kids' rainy day", 'zh-CN': '雨天亲子时光' },
      summary: {
        en: 'Plum-rain season keeps everyone indoors: games, crafts and toys for a happy afternoon.',
        'zh-CN': '梅雨季出不了门？用桌游、手工和玩具陪孩子度过一个开心的下午。',
      },
      guide: {
        en: [
          'Choose a game everyone can play, from age 4 up.',
          'Cover the table before painting.',
          'Rotate toys to keep them new.',
        ],
        'zh-CN': [
          '选一款4岁以上全家都能玩的游戏。',
          '画画前先在桌上铺好垫布。',
          '玩具轮换着玩，孩子更有新鲜感。',
        ],
      },
      season: 'summer',
      occasion: 'family-time',
      slots: slots([
        ['toys', 'Indoor toys', '室内玩具', catTag(['kids-toys'], ['indoor']), 1, true],
        ['game', 'Board game', '桌游', cat('board-games'), 1, true],
        ['crafts', 'Art supplies', '绘画手工', cat('art-supplies'), 2, true],
        ['snacks', 'Snacks', '零食', cat('snacks'), 2, false],
      ]),
      active: true,
    },
  },
  {
    popularity: 1.2,
    peak: { from: [11, 1], to: [2, 28] },
    seasonal: { tags: ['hot-pot'] },
    scene: {
      sceneId: 'winter-hot-pot',
      title: { en: 'Winter hot pot', 'zh-CN': '冬日火锅' },
      summary: {
        en: 'Nothing beats a bubbling pot on a cold night: a divided pot, spicy base and dipping sauces.',
        'zh-CN': '寒冷的夜晚，一锅热气腾腾的火锅最治愈：鸳鸯锅、麻辣底料和蘸料一次备齐。',
      },
      guide: {
        en: [
          'A divided pot serves spicy and mild at the same table.',
          'Allow 150g of meat and plenty of vegetables per person.',
          'Mix sesame sauce with a little hot broth before serving.',
        ],
        'zh-CN': [
          '鸳鸯锅让吃辣和不吃辣的人同桌共享。',
          '每人约准备150克肉和足量蔬菜。',
          '麻酱用少许热汤调开再上桌。',
        ],
      },
      season: 'winter',
      occasion: 'family-gathering',
      slots: slots([
        ['pot', 'Hot pot', '火锅锅', catTag(['cookware', 'electric-cookers'], ['hot-pot']), 1, true],
        ['soup-base', 'Soup base', '火锅底料', catTag(['condiments'], ['hot-pot']), 2, true],
        ['sauce-dishes', 'Sauce dishes', '蘸料碟', catTag(['dinnerware'], ['hot-pot']), 1, false],
        ['chopsticks', 'Chopsticks', '筷子', catTag(['tableware'], ['hot-pot']), 1, false],
      ]),
      active: true,
    },
  },
  {
    popularity: 0.6,
    peak: { from: [11, 15], to: [1, 31] },
    seasonal: { categories: ['tea'], tags: ['tea'] },
    scene: {
      sceneId: 'fireside-tea',
      title: { en: 'Fireside tea', 'zh-CN': '围炉煮茶' },
      summary: {
        en: 'Brew tea over a small stove with friends, roasting chestnuts and oranges on the grill.',
        'zh-CN': '和朋友围着小炉子煮茶，烤栗子、烤橘子，慢慢聊天。',
      },
      guide: {
        en: [
          'Aged white tea and black tea suit slow brewing.',
          'Keep the stove well ventilated.',
          'Serve in small cups.',
        ],
        'zh-CN': ['老白茶和红茶适合慢慢煮。', '炉子要放在通风处。', '用小杯分茶，越喝越有味道。'],
      },
      season: 'winter',
      occasion: 'gathering',
      slots: slots([
        ['tea', 'Tea', '茶叶', cat('tea'), 2, true],
        ['teaware', 'Tea set', '茶具', catTag(['tableware'], ['tea']), 1, true],
        ['stove', 'Tea stove', '煮茶炉', catTag(['camping-stoves'], ['tea']), 1, false],
        ['snacks', 'Snacks', '茶点', cat('snacks'), 2, false],
      ]),
      active: true,
    },
  },
  {
    popularity: 0.8,
    peak: { from: [6, 15], to: [8, 31] },
    seasonal: { categories: ['beach-gear'], tags: ['sun-protection'] },
    scene: {
      sceneId: 'beach-day',
      title: { en: 'Beach day', 'zh-CN': '海滩一日游' },
      summary: {
        en: 'Shade, sunscreen and cold drinks for a long day by the sea.',
        'zh-CN': '遮阳、防晒和冰饮，在海边玩上一整天。',
      },
      guide: {
        en: [
          'Reapply SPF50 sunscreen every two hours.',
          'Anchor the umbrella against the wind.',
          'Freeze bottles overnight to double as ice.',
        ],
        'zh-CN': [
          'SPF50防晒每两小时补涂一次。',
          '遮阳伞要插牢，防止被风吹走。',
          '前一晚把水冻上，当冰块用。',
        ],
      },
      season: 'summer',
      occasion: 'day-trip',
      slots: slots([
        ['shade', 'Umbrella or towel', '遮阳伞/沙滩巾', cat('beach-gear'), 1, true],
        ['sunscreen', 'Sunscreen', '防晒霜', catTag(['skincare'], ['sun-protection']), 1, true],
        ['cooler', 'Cooler', '保温箱', cat('coolers'), 1, true],
        ['bottle', 'Water bottle', '水杯', cat('water-bottles'), 2, false],
      ]),
      active: true,
    },
  },
  {
    popularity: 0.7,
    peak: { from: [3, 1], to: [5, 15] },
    seasonal: { categories: ['planters', 'gardening-tools', 'plant-care'] },
    scene: {
      sceneId: 'balcony-garden',
      title: { en: 'Balcony garden', 'zh-CN': '阳台小花园' },
      summary: {
        en: 'Turn a city balcony into a small garden of herbs and flowers.',
        'zh-CN': '把城市阳台变成种满香草和花的小花园。',
      },
      guide: {
        en: [
          'Start with herbs: basil and mint forgive beginners.',
          'Use pots with drainage holes.',
          'Feed every two weeks in spring.',
        ],
        'zh-CN': ['新手先从香草开始，罗勒和薄荷很好养。', '花盆一定要有排水孔。', '春天每两周施一次肥。'],
      },
      season: 'spring',
      occasion: 'home-garden',
      slots: slots([
        ['planters', 'Planters', '花盆', cat('planters'), 3, true],
        ['tools', 'Tools', '园艺工具', cat('gardening-tools'), 1, true],
        ['soil', 'Soil and seeds', '土壤种子', cat('plant-care'), 2, true],
      ]),
      active: true,
    },
  },
  {
    popularity: 0.9,
    peak: { from: [8, 15], to: [9, 15] },
    seasonal: { categories: ['stationery'], tags: ['school'] },
    scene: {
      sceneId: 'back-to-school',
      title: { en: 'Back to school', 'zh-CN': '开学季' },
      summary: {
        en: 'A new term: a sturdy bag, fresh stationery and a lamp that is easy on the eyes.',
        'zh-CN': '新学期新装备：结实的书包、全新的文具和护眼台灯。',
      },
      guide: {
        en: [
          'Choose a bag with padded straps.',
          'Label everything.',
          'A lamp with warm light helps evening homework.',
        ],
        'zh-CN': ['书包选带加厚肩带的款式。', '所有文具都贴上名字。', '暖光台灯让晚上写作业更舒服。'],
      },
      season: 'autumn',
      occasion: 'new-term',
      slots: slots([
        ['backpack', 'School backpack', '书包', catTag(['backpacks'], ['school']), 1, true],
        ['stationery', 'Stationery', '文具', cat('stationery'), 3, true],
        ['lamp', 'Reading lamp', '护眼台灯', cat('desk-lamps'), 1, true],
        ['bottle', 'Water bottle', '水杯', cat('water-bottles'), 1, false],
      ]),
      active: true,
    },
  },
  {
    popularity: 0.9,
    scene: {
      sceneId: 'travel-light',
      title: { en: 'Travel light', 'zh-CN': '轻装出行' },
      summary: {
        en: 'Carry-on only: pack smart, stay charged and skip the baggage carousel.',
        'zh-CN': '只带登机箱：聪明打包、电量满满，下飞机就走。',
      },
      guide: {
        en: [
          'Roll clothes into packing cubes.',
          'Power banks go in the cabin, never in checked bags.',
          'Decant skincare into travel sizes.',
        ],
        'zh-CN': ['衣服卷起来放进收纳袋。', '充电宝必须随身携带，不能托运。', '护肤品分装成旅行装。'],
      },
      season: 'all-year',
      occasion: 'trip',
      slots: slots([
        ['luggage', 'Carry-on', '登机箱', cat('luggage'), 1, true],
        ['packing', 'Travel accessories', '旅行配件', cat('travel-accessories'), 2, true],
        ['power', 'Power bank', '充电宝', cat('power-banks'), 1, true],
        ['skincare', 'Travel skincare', '旅行护肤', catTag(['skincare'], ['travel-size']), 1, false],
      ]),
      active: true,
    },
  },
  {
    popularity: 0.8,
    scene: {
      sceneId: 'morning-run',
      title: { en: 'Morning run', 'zh-CN': '晨跑装备' },
      summary: {
        en: 'Shoes, light clothes and water for a run before the city wakes up.',
        'zh-CN': '一双好跑鞋、轻薄的运动服和一瓶水，赶在城市醒来前跑一圈。',
      },
      guide: {
        en: [
          'Replace running shoes every 600-800 km.',
          'Dress as if it were 10°C warmer.',
          'Drink a glass of water before you start.',
        ],
        'zh-CN': ['跑鞋每跑600-800公里就该更换。', '穿衣按比实际气温高10°C来准备。', '出门前先喝一杯水。'],
      },
      season: 'all-year',
      occasion: 'fitness',
      slots: slots([
        ['shoes', 'Running shoes', '跑鞋', cat('running-shoes'), 1, true],
        ['top', 'Running top', '跑步上衣', catTag(['activewear'], ['running']), 1, true],
        ['bottle', 'Sports bottle', '运动水壶', cat('water-bottles'), 1, false],
      ]),
      active: true,
    },
  },
];

export interface SlotConstraintLike {
  categories?: readonly string[] | undefined;
  tags?: readonly string[] | undefined;
}

/**
 * Whether a product fits a slot, read strictly: in one of the categories (when given) and carrying
 * every one of the tags (when given).
 */
export function fitsConstraint(
  product: { category: string; tags: readonly string[] },
  c: SlotConstraintLike,
): boolean {
  if (c.categories !== undefined && !c.categories.includes(product.category)) return false;
  if (c.tags !== undefined && !c.tags.every((t) => product.tags.includes(t))) return false;
  return true;
}

/** Whether a product follows a scene's season. */
export function followsSeason(
  product: { category: string; tags: readonly string[] },
  plan: ScenePlan,
): boolean {
  const s = plan.seasonal;
  if (s === undefined) return false;
  return (
    (s.categories?.includes(product.category) ?? false) ||
    (s.tags?.some((t) => product.tags.includes(t)) ?? false)
  );
}
