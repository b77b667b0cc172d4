import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { acknowledge } from '../common.ts';

/** Retries of a Lambda invocation that failed before the function ran (AWS's advice for Task states). */
export const LAMBDA_TRANSIENT = {
  ErrorEquals: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

/** A stack's region or account as cdk-nag writes it in a finding: the value, or the pseudo parameter. */
const nagSpelling = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);

/**
 * What a Distributed Map needs of its own state machine: to start its children, and to follow and
 * stop them (their ARNs are this machine's executions, `execution:<name>/<map run>:<child>`). A
 * policy of its own, after the machine (its ARN in the machine's role would be a cycle), as the
 * DistributedMap construct does.
 */
export function allowDistributedMap(sm: StateMachine): Policy {
  const stack = Stack.of(sm);
  const policy = new Policy(sm.node.scope!, 'DistributedMapPolicy', {
    roles: [sm.role],
    statements: [
      new PolicyStatement({ actions: ['states:StartExecution'], resources: [sm.stateMachineArn] }),
      new PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [
          stack.formatArn({
            service: 'states',
            resource: 'execution',
            resourceName: `${sm.stateMachineName}/*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    ],
  });
  acknowledge(
    policy,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${nagSpelling(stack.region, 'AWS::Region')}:${nagSpelling(stack.account, 'AWS::AccountId')}:execution:<${stack.getLogicalId(sm.node.defaultChild as never)}.Name>/*]`,
    "The Distributed Map's child executions of this state machine only: their names are made by Step Functions at run time.",
  );
  return policy;
}
