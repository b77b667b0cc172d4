import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildService } from './stacks/service.ts';
import { stageConfig } from './stage.ts';

const app = new App();
const { stage, config } = stageConfig(app.node.tryGetContext('stage'), app.node.tryGetContext('stages'));
buildService(app, stage, config, {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
// cdk-nag's AwsSolutions pack on every synth: an unacknowledged finding stops it (each
// acknowledgement in infra/stacks says why; README lists them).
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
