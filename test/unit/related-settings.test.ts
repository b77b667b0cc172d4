import { afterEach, describe, expect, it, vi } from 'vitest';
import { athenaRun } from '../../models/lake/unload.ts';
import { defaultRelatedConfig } from '../../models/related/evidence.ts';
import { RelatedSettings, relatedConfigOf, settingsOf } from '../../models/related/settings.ts';

describe("a shop's related settings", () => {
  afterEach(() => {
    delete process.env.RELATED_SETTINGS;
    vi.resetModules();
  });

  it('override the defaults they name and keep the rest; only what differs is carried', () => {
    const config = relatedConfigOf({ halfLifeDays: 365, basketDamping: 0 });
    expect(config).toEqual({ ...defaultRelatedConfig, halfLifeDays: 365, basketDamping: 0 });
    expect(settingsOf(config)).toEqual({ halfLifeDays: 365, basketDamping: 0 });
    expect(relatedConfigOf()).toEqual(defaultRelatedConfig);
  });

  it('refuse a value out of bounds or an unknown name, naming it', () => {
    const low = RelatedSettings.safeParse({ popularityBeta: 1.5 });
    expect(low.success).toBe(false);
    expect(low.error!.issues[0]!.path).toEqual(['popularityBeta']);
    const typo = RelatedSettings.safeParse({ halfLife: 30 });
    expect(typo.success).toBe(false);
    expect(typo.error!.issues[0]!.message).toMatch(/halfLife/);
  });

  it('reach the functions through RELATED_SETTINGS, and a malformed variable fails plainly', async () => {
    process.env.RELATED_SETTINGS = '{"popularityBeta":0.25,"shrinkage":0.5}';
    const { relatedConfig } = await import('../../functions/lib/config.ts');
    expect(relatedConfig()).toEqual({ ...defaultRelatedConfig, popularityBeta: 0.25, shrinkage: 0.5 });

    vi.resetModules();
    process.env.RELATED_SETTINGS = '{popularityBeta: 0.25}';
    const again = await import('../../functions/lib/config.ts');
    expect(() => again.relatedConfig()).toThrow(/not JSON/);

    vi.resetModules();
    process.env.RELATED_SETTINGS = '{"maxPairs":5}';
    const small = await import('../../functions/lib/config.ts');
    expect(() => small.relatedConfig()).toThrow(/maxPairs/);
  });

  it("build the related jobs' SQL (what Athena runs) with the shop's half-life and gap", () => {
    const run = (related?: ReturnType<typeof relatedConfigOf>) =>
      athenaRun('related-evidence', {
        bucket: 'lake-bucket',
        run: 'r1',
        nowMs: Date.UTC(2026, 10, 23),
        ...(related ? { related } : {}),
      }).queryString;
    const halfLife = (days: number) => `/ ${days * 86_400_000}`;
    expect(run()).toContain(halfLife(30));
    const tuned = run(relatedConfigOf({ halfLifeDays: 365, sessionGapMinutes: 45 }));
    expect(tuned).toContain(halfLife(365));
    expect(tuned).not.toContain(halfLife(30));
    expect(tuned).toContain(`<= ${45 * 60_000}`);
  });
});
