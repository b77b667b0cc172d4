import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildService } from '../../infra/stacks/service.ts';
import { stageConfig } from '../../infra/stage.ts';
import { LAKE_JOBS, type LakeJobId } from '../../models/lake/jobs/index.ts';
import { stagedSteps, workTablePrefix } from '../../models/lake/unload.ts';
import { TEST_ENV } from '../support/synth.ts';

/** The lake jobs that run in steps on Athena, each granted its own work tables. */
const staged: string[] = LAKE_JOBS.filter((j) => stagedSteps(j.id).length > 0).map((j) => j.id);

const cdkJson = JSON.parse(readFileSync(join(import.meta.dirname, '../../cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

function appWithNag(stage: 'dev' | 'prod') {
  const app = new App({ context: { ...cdkJson.context, stage, 'aws:cdk:bundling-stacks': [] } });
  buildService(app, stage, stageConfig(stage, cdkJson.context.stages).config, TEST_ENV);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      // Each entry's data maps the acknowledged rule id to its reason.
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => ({ path: c.node.path, id, reason })),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it.each(['dev', 'prod'] as const)('%s: synthesizes with no finding left unacknowledged', (stage) => {
    const app = appWithNag(stage);
    expect(() => app.synth()).not.toThrow();
  });

  it('gives a reason for every acknowledged finding, and acknowledges only a short list of rules', () => {
    const app = appWithNag('prod');
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(40);
    expect(new Set(acks.map((a) => a.id.replace(/\[.*$/, '')))).toEqual(
      new Set([
        'AwsSolutions::AwsSolutions-L1',
        'AwsSolutions::AwsSolutions-IAM4',
        'AwsSolutions::AwsSolutions-APIG4',
        'AwsSolutions::AwsSolutions-SQS3',
        'AwsSolutions::AwsSolutions-SMG4',
        'AwsSolutions::AwsSolutions-S1',
        'AwsSolutions::AwsSolutions-IAM5',
        // The prod edge: no geo restriction, the API's own access log, the default certificate.
        'AwsSolutions::AwsSolutions-CFR1',
        'AwsSolutions::AwsSolutions-CFR3',
        'AwsSolutions::AwsSolutions-CFR4',
      ]),
    );
  });

  it("acknowledges wildcards only on the lake bucket's object prefixes, on what state machine logging and tracing need, and on a Distributed Map's child executions", () => {
    const wildcards = acknowledgements(appWithNag('prod')).filter((a) => a.id.includes('IAM5'));
    expect(wildcards.length).toBeGreaterThan(0);
    for (const a of wildcards) {
      // A Distributed Map's child executions: its own state machine's executions, nothing else.
      if (a.id.includes(':states:')) {
        expect(a.id).toMatch(
          /^AwsSolutions::AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:states:[^:]+:[^:]+:execution:<(Job|Sharded)[a-z]+StateMachine[0-9A-F]{8}\.Name>\/\*\]$/,
        );
        expect(a.path).toMatch(
          /^merchandiser-prod-(lake\/Job|functions\/Sharded)-[a-z-]+\/DistributedMapPolicy$/,
        );
        continue;
      }
      // A staged lake job's own work tables (work_<job>_<run>_<step>): the job's prefix, no other table.
      if (a.id.includes(':glue:')) {
        const job = /^merchandiser-prod-lake\/Job-([a-z-]+)\/(StateMachine|Sweep)$/.exec(a.path)?.[1];
        expect(staged, a.path).toContain(job);
        expect(a.id).toBe(
          `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:${TEST_ENV.region}:${TEST_ENV.account}:table/merchandiser_prod_lake/${workTablePrefix(job as LakeJobId)}*]`,
        );
        continue;
      }
      expect(a.id, a.path).toMatch(
        /^AwsSolutions::AwsSolutions-IAM5\[Resource::(<LakeBucket[0-9A-F]{8}\.Arn>\/(events|errors|athena|results)\/([a-z-]+\/)?\*|\*)\]$/,
      );
      if (a.id.endsWith('[Resource::*]'))
        expect(a.path).toMatch(
          /^merchandiser-prod-(lake\/Job-[a-z-]+\/(StateMachine|Sweep)|functions\/Sharded-[a-z-]+\/StateMachine)$/,
        );
    }
    // The access-log bucket is the only one without access logs of its own.
    const s1 = acknowledgements(appWithNag('prod')).filter((a) => a.id.includes('S1'));
    expect(s1.map((a) => a.path)).toEqual(['merchandiser-prod-lake/LakeAccessLogs']);
  });

  it('catches a finding nobody acknowledged', () => {
    const app = appWithNag('dev');
    const stack = app.node.findChild('merchandiser-dev-functions');
    // A queue without SSL enforcement or a DLQ is exactly what the pack exists to catch.
    new Queue(stack, 'Unchecked', {});
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });
});
