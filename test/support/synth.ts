import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ServiceStack } from '../../infra/stacks/service-stack.ts';
import { type StageConfig, stageConfig } from '../../infra/stage.ts';

const cdkJson = JSON.parse(readFileSync(join(import.meta.dirname, '../../cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/** Synthesizes the stack for a stage as `cdk synth` would, minus bundling (tests do not need assets). */
export function synthTemplate(stage: 'dev' | 'prod' = 'dev', overrides: Partial<StageConfig> = {}) {
  const app = new App({ context: { ...cdkJson.context, stage, 'aws:cdk:bundling-stacks': [] } });
  const config = { ...stageConfig(stage, cdkJson.context.stages).config, ...overrides };
  const stack = new ServiceStack(app, `merchandiser-${stage}`, {
    stage,
    config,
    env: { account: '111111111111', region: 'eu-west-1' },
  });
  return { stack, template: Template.fromStack(stack) };
}

type Resource = { Type: string; Properties: Record<string, unknown> };
export const resourcesOf = (template: Template, type: string) =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);
