import { fileWriter, mulberry32 } from '../lib/synthetic.ts';

/** A reproducible synthetic interaction file: clustered tastes, Zipf-like popularity, views, carts, orders. */
export async function generateSynthetic(rows: number, output: string, seed = 7): Promise<void> {
  const rand = mulberry32(seed);
  const items = Math.max(100, Math.round(rows / 50));
  const clusters = Math.max(5, Math.round(items / 40));
  const users = Math.max(10, Math.round(rows / 12));
  const perCluster = Math.ceil(items / clusters);
  // Within a cluster, item k is chosen with weight 1 / (k + 1): a few best-sellers per cluster.
  const pickInCluster = (c: number) => {
    const k = Math.min(perCluster - 1, Math.floor(perCluster ** rand()) - 1);
    return Math.min(items - 1, c * perCluster + Math.max(0, k));
  };
  const globalHit = () => Math.floor(items * rand() ** 3);
  const { write, end } = fileWriter(output);
  await write('user_id,item_id,timestamp,event_type,note\n');
  const start = Date.parse('2024-01-01T00:00:00Z') / 1000;
  let written = 0;
  // Each user keeps two favourite clusters across visits.
  const tastes = Array.from({ length: users }, () => [
    Math.floor(rand() * clusters),
    Math.floor(rand() * clusters),
  ]);
  for (let u = 0; written < rows; u = (u + 1) % users) {
    const taste = tastes[u]!;
    let at = start + Math.floor(rand() * 80 * 86_400);
    const sessionLength = 3 + Math.floor(rand() * 10);
    const cluster = taste[rand() < 0.7 ? 0 : 1]!;
    const viewed: number[] = [];
    for (let i = 0; i < sessionLength && written < rows; i++) {
      const item = rand() < 0.15 ? globalHit() : pickInCluster(cluster);
      at += 20 + Math.floor(rand() * 240);
      const type = rand() < 0.12 ? 'cart' : 'view';
      viewed.push(item);
      await write(`user-${u},item-${item},${at},${type},"free text, ""quoted"""\n`);
      written++;
    }
    if (rand() < 0.3 && written < rows) {
      at += 300;
      const basket = new Set(viewed.filter(() => rand() < 0.4));
      for (const item of basket) {
        if (written >= rows) break;
        await write(`user-${u},item-${item},${at},order,\n`);
        written++;
      }
    }
  }
  await end();
}
