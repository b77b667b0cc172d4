/**
 * Splits `total` minor units over lines in proportion to `weights`, by largest remainder, without
 * giving any line more than its `caps` entry (the room above its margin floor). What a capped line
 * cannot take goes to the others in proportion; what no line can take is not placed.
 *
 * Returns the shares (integers, each <= its cap, summing to `placed`) and `placed`, which is
 * min(total, sum of caps of lines with weight). Remainder ties go to the earlier line, so the result
 * depends only on the order of the lines, which the engine keeps sorted.
 */
export function allocate(
  total: number,
  weights: readonly number[],
  caps: readonly number[],
): { shares: number[]; placed: number } {
  const n = weights.length;
  const shares = new Array<number>(n).fill(0);
  let active: number[] = [];
  let room = 0;
  for (let i = 0; i < n; i++) {
    if (weights[i]! > 0 && caps[i]! > 0) {
      active.push(i);
      room += caps[i]!;
    }
  }
  let remaining = Math.min(total, room);
  const placed = remaining;
  while (remaining > 0 && active.length > 0) {
    let w = 0;
    for (const i of active) w += weights[i]!;
    // remaining * weight can pass 2^53 for large amounts: then BigInt, else plain integers.
    const exact = Number.isSafeInteger(remaining * w);
    const R = BigInt(remaining);
    const W = BigInt(w);
    const part = new Map<number, number>();
    const rema: { i: number; r: number | bigint }[] = [];
    let given = 0;
    for (const i of active) {
      let q: number;
      let r: number | bigint;
      if (exact) {
        const num = remaining * weights[i]!;
        r = num % w;
        q = (num - r) / w;
      } else {
        const num = R * BigInt(weights[i]!);
        q = Number(num / W);
        r = num % W;
      }
      part.set(i, q);
      given += q;
      rema.push({ i, r });
    }
    rema.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
    for (let k = 0; k < remaining - given; k++) {
      const i = rema[k]!.i;
      part.set(i, part.get(i)! + 1);
    }
    const over = active.filter((i) => shares[i]! + part.get(i)! > caps[i]!);
    if (over.length === 0) {
      for (const i of active) shares[i]! += part.get(i)!;
      remaining = 0;
      break;
    }
    // Fill the lines that hit their cap, then share what is left among the rest.
    for (const i of over) {
      remaining -= caps[i]! - shares[i]!;
      shares[i] = caps[i]!;
    }
    const full = new Set(over);
    active = active.filter((i) => !full.has(i));
  }
  return { shares, placed };
}
