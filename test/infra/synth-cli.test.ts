import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/**
 * The operator's command, as CI runs it: the real CDK CLI, real esbuild bundling of every
 * function, cdk-nag, no AWS credentials and no network.
 */
describe('npm run synth', () => {
  it.each(['dev', 'prod'] as const)(
    '%s synthesizes offline into six stack templates',
    async (stage) => {
      const out = mkdtempSync(join(tmpdir(), `synth-${stage}-`));
      try {
        const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' };
        for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
          delete env[k];
        await run('npx', ['cdk', 'synth', '--quiet', '-c', `stage=${stage}`, '-o', out], {
          cwd: ROOT,
          env,
          timeout: 240_000,
        });
        const templates = readdirSync(out).filter((f) => f.endsWith('.template.json'));
        expect(templates.sort()).toEqual(
          ['api', 'data', 'events', 'functions', 'lake', 'observability'].map(
            (s) => `merchandiser-${stage}-${s}.template.json`,
          ),
        );
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    300_000,
  );
});
