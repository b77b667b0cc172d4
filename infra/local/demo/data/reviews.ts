import type { Family } from './categories.ts';
import type { Rng } from './prng.ts';

/** Short review texts, sometimes English, sometimes Chinese, sometimes both, as real storefronts see them. */

type Pair = readonly [en: string, zh: string];

const POSITIVE: readonly Pair[] = [
  ['Great quality, exactly as described.', '质量很好，和描述一致。'],
  ['Fast delivery and well packaged.', '发货很快，包装很好。'],
  ['Worth every fen.', '物超所值。'],
  ['Would buy again.', '会回购的。'],
  ['Looks even better in person.', '实物比图片还好看。'],
  ['Better than I expected for the price.', '这个价格超出预期。'],
];
const NEUTRAL: readonly Pair[] = [
  ['It is okay for the price.', '这个价格还行吧。'],
  ['Average, does the job.', '一般般，够用。'],
  ['Fine, but delivery took a while.', '还可以，就是物流有点慢。'],
];
const NEGATIVE: readonly Pair[] = [
  ['Smaller than expected.', '比预期的小。'],
  ['Quality could be better.', '质量一般，有待改进。'],
  ['Arrived damaged, waiting for a replacement.', '收到时有破损，等待换货。'],
  ['Not what the pictures showed.', '和图片差别有点大。'],
];
const FAMILY: Record<Family, Pair> = {
  outdoor: ['Took it on a weekend camping trip and it held up well.', '周末带去露营，表现很好。'],
  office: ['Long workdays are much more comfortable now.', '长时间办公舒服多了。'],
  electronics: ['Works perfectly out of the box.', '开箱即用，很稳定。'],
  kitchen: ['Heats evenly and is easy to clean.', '受热均匀，很好清洗。'],
  food: ['Fresh and tasty, the whole family loved it.', '新鲜好吃，家人都很喜欢。'],
  beauty: ['Gentle on my skin, no irritation.', '很温和，不刺激。'],
  kids: ['My kids play with it every day.', '孩子每天都在玩。'],
  fitness: ['Comfortable and good for daily workouts.', '很舒服，适合日常锻炼。'],
  garden: ['My balcony plants are thriving.', '阳台的植物长得很好。'],
  travel: ['Light and fits in the overhead bin.', '很轻，放行李架正好。'],
};

/** Ratings skew to 4-5; `delight` (0..1) tilts them further up, as for a hit everyone talks about. */
export function drawRating(r: Rng, delight: number): number {
  const five = 0.52 + 0.25 * delight;
  const weights = [0.07 * (1 - delight), 0.04 * (1 - delight), 0.1 * (1 - 0.5 * delight), 0.27, five];
  return r.weightedIndex(weights) + 1;
}

export function reviewText(r: Rng, rating: number, family: Family): string {
  const pool = rating >= 4 ? POSITIVE : rating === 3 ? NEUTRAL : NEGATIVE;
  const pairs: Pair[] = [r.pick(pool)];
  if (rating >= 4 && r.chance(0.4)) pairs.push(FAMILY[family]);
  const mode = r.next();
  if (mode < 0.35) return pairs.map((p) => p[0]).join(' ');
  if (mode < 0.8) return pairs.map((p) => p[1]).join('');
  return `${pairs.map((p) => p[1]).join('')} ${pairs.map((p) => p[0]).join(' ')}`;
}
