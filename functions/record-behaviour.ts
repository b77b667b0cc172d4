import { BehaviourEvent } from '../events/behaviour.ts';
import { appendToEventLog } from './adapters/eventlog-store.ts';
import { tableName } from './lib/config.ts';
import { busEventConsumer } from './lib/queue.ts';

const eventLog = tableName('eventlog');

export const handler = busEventConsumer(BehaviourEvent, async (event) => {
  await appendToEventLog(eventLog, event);
});
