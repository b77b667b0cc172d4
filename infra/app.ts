import { App } from 'aws-cdk-lib';
import { ServiceStack } from './stacks/service-stack.ts';
import { stageConfig } from './stage.ts';

const app = new App();
const { stage, config } = stageConfig(app.node.tryGetContext('stage'), app.node.tryGetContext('stages'));
new ServiceStack(app, `merchandiser-${stage}`, {
  stage,
  config,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: `merchandiser (${stage}): recommendations, scene guides, hit products and bundle pricing`,
});
app.synth();
