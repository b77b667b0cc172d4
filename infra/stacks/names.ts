/**
 * Names an operator types: stack names and output keys. No CDK import, so scripts
 * (infra/scripts/rebuild-related.ts) can name them without loading the CDK.
 */

/** A stack of the service: `merchandiser-<stage>-<part>`. */
export const stackName = (stage: string, part: string): string => `merchandiser-${stage}-${part}`;

/** The lake stack's output holding a lake job's state machine ARN (CloudFormation drops the hyphens of `LakeJob-<id>`). */
export const lakeJobOutputKey = (jobId: string): string => `LakeJob-${jobId}`.replace(/[^A-Za-z0-9]/g, '');

/**
 * The AWS CLI command that starts a lake job's state machine now. An execution's input may add
 * options for the job's results function: `--input '{"results": {"epochs": 5}}'`.
 */
export function startLakeJobCommand(stage: string, jobId: string): string {
  const arn = `$(aws cloudformation describe-stacks --stack-name ${stackName(stage, 'lake')} --query "Stacks[0].Outputs[?OutputKey=='${lakeJobOutputKey(jobId)}'].OutputValue" --output text)`;
  return `aws stepfunctions start-execution --state-machine-arn "${arn}"`;
}
