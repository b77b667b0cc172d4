import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Environment, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildService, type Service } from '../../infra/stacks/service.ts';
import { type StageConfig, stageConfig } from '../../infra/stage.ts';

const cdkJson = JSON.parse(readFileSync(join(import.meta.dirname, '../../cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

export const TEST_ENV = { account: '111111111111', region: 'eu-west-1' };

/**
 * Synthesizes the stacks of a stage as `cdk synth` would, minus bundling (tests do not need the
 * assets). `template` merges every stack's resources, so an assertion need not know which stack a
 * resource landed in; cross-stack references show up there as `Fn::ImportValue` of an export
 * whose name holds the referenced logical id.
 */
export function synthTemplate(
  stage: 'dev' | 'prod' = 'dev',
  overrides: Partial<StageConfig> = {},
  /** The account and region; `null`: an environment-agnostic synth, as `cdk synth` without credentials. */
  env: Environment | null = TEST_ENV,
) {
  const app = new App({ context: { ...cdkJson.context, stage, 'aws:cdk:bundling-stacks': [] } });
  const config = { ...stageConfig(stage, cdkJson.context.stages).config, ...overrides };
  const service: Service = buildService(app, stage, config, env ?? undefined);
  const stacks = Object.values(service).filter((s): s is NonNullable<typeof s> => s !== undefined);
  const templates = new Map(stacks.map((s) => [s.stackName, Template.fromStack(s)]));
  const merged = { Resources: {} as Record<string, unknown>, Outputs: {} as Record<string, unknown> };
  for (const t of templates.values()) {
    const json = t.toJSON() as { Resources?: Record<string, unknown>; Outputs?: Record<string, unknown> };
    Object.assign(merged.Resources, json.Resources ?? {});
    Object.assign(merged.Outputs, json.Outputs ?? {});
  }
  return {
    app,
    service,
    templates,
    template: Template.fromJSON(merged),
    stack: {
      functions: service.functions.functions,
      tables: service.data.tables,
      /** A construct's logical id in whichever stack holds it. */
      getLogicalId: (c: IConstruct) => Stack.of(c).getLogicalId(c as never),
    },
  };
}

type Resource = { Type: string; Properties: Record<string, unknown> };
export const resourcesOf = (template: Template, type: string) =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);

/** A stage's configuration as cdk.json gives it. */
export const configOf = (stage: 'dev' | 'prod'): StageConfig =>
  stageConfig(stage, cdkJson.context.stages).config;
