import { afterEach, describe, expect, it, vi } from 'vitest';

describe('business metrics', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('writes a CloudWatch EMF line under the namespace and service the dashboard reads', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_DEV', '');
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const { countMetric } = await import('../../functions/lib/metrics.ts');
    countMetric('QuoteRedemptions', 2);
    const emf = lines.map((l) => JSON.parse(l)).find((o) => o._aws);
    expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'merchandiser',
      Dimensions: [['service']],
      Metrics: [{ Name: 'QuoteRedemptions', Unit: 'Count' }],
    });
    expect(emf.QuoteRedemptions).toBe(2);
    expect(emf.service).toBe('merchandiser');
  });

  it('writes nothing for a zero count', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const { countMetric } = await import('../../functions/lib/metrics.ts');
    countMetric('HitRankingUpdates', 0);
    expect(write).not.toHaveBeenCalled();
  });
});
