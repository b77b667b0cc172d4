import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

// The logger is made once, when its module is first imported, with the level in the environment
// then (the suite's is SILENT, and each invocation goes back to it): so set INFO first.
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
const { logger } = await import('../../functions/lib/logger.ts');
const { stepHandler } = await import('../../functions/lib/step.ts');

const contextOf = (functionName: string, awsRequestId: string) =>
  ({
    functionName,
    awsRequestId,
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    getRemainingTimeInMillis: () => 10_000,
  }) as unknown as Context;

/** The logger's lines while a test runs (Powertools writes each line with its own Console). */
const lines: Record<string, unknown>[] = [];
const out = (logger as unknown as { console: Record<string, (line: string) => void> }).console;
const saved = { ...out };
beforeEach(() => {
  lines.length = 0;
  for (const m of ['log', 'info', 'warn', 'error']) out[m] = (line: string) => lines.push(JSON.parse(line));
});
afterEach(() => {
  Object.assign(out, saved);
});

describe('stepHandler', () => {
  const Input = z.object({ job: z.enum(['a', 'b']), n: z.coerce.number().int() });
  const handler = stepHandler(Input, async (input) => {
    logger.info('step ran', { job: input.job });
    return { doubled: input.n * 2 };
  });

  it('hands the step its parsed input and returns what it returns', async () => {
    await expect(handler({ job: 'a', n: '21' }, contextOf('lake-results', 'r-1'))).resolves.toEqual({
      doubled: 42,
    });
  });

  it('fails the task on a malformed input, naming the field, and runs nothing', async () => {
    await expect(handler({ job: 'c', n: 1 }, contextOf('lake-results', 'r-2'))).rejects.toThrow(/job/);
    expect(lines.filter((l) => l.message === 'step ran')).toEqual([]);
  });

  it("puts each invocation's function and request in its log lines, not the previous one's", async () => {
    await handler({ job: 'a', n: 1 }, contextOf('lake-query', 'r-3'));
    await handler({ job: 'b', n: 2 }, contextOf('train-hits', 'r-4'));
    const ran = lines.filter((l) => l.message === 'step ran');
    expect(ran.map((l) => [l.function_name, l.function_request_id, l.job])).toEqual([
      ['lake-query', 'r-3', 'a'],
      ['train-hits', 'r-4', 'b'],
    ]);
  });
});
