import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import type { StageProps } from './common.ts';

/**
 * The bus and its archive: every event is kept for `archiveRetentionDays`, so that after an outage
 * an operator can replay the window into the bus (README: "Replaying events"). The rules live with
 * the functions they feed (FunctionsStack): they change with them.
 */
export class EventsStack extends Stack {
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, props: StackProps & StageProps) {
    super(scope, id, props);
    const { stage, config } = props;
    this.bus = new EventBus(this, 'Bus', { eventBusName: `merchandiser-${stage}` });
    this.bus.archive('Archive', {
      archiveName: `merchandiser-${stage}-all`,
      description: 'Every event on the merchandiser bus',
      eventPattern: { account: [Stack.of(this).account] },
      retention: Duration.days(config.archiveRetentionDays),
    });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
  }
}
