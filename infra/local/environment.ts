import { EVENT_BUS_ENV, type TableId, tableEnvVar } from '../topology.ts';

/** The local runtime's bearer-token key unless AUTH_JWT_SECRET is set; tests sign tokens with it. */
export const LOCAL_DEV_JWT_SECRET = 'local-dev-jwt-secret-not-for-production';

/**
 * What the stack sets on each Lambda function, for the handlers in this process: the endpoints of
 * DynamoDB (Local) and of the local bus, the bus and table names, Powertools settings, development
 * keys, and dummy credentials. A value already in process.env wins where one may be given.
 */
export function handlerEnvironment({
  dynamoEndpoint,
  url,
  busName,
  tableNames,
  logLevel,
}: {
  dynamoEndpoint: string;
  /** The local gateway's base URL: the local bus answers PutEvents under it. */
  url: string;
  busName: string;
  tableNames: Record<TableId, string>;
  /** POWERTOOLS_LOG_LEVEL; else the process's own, else WARN. */
  logLevel?: string | undefined;
}): Record<string, string> {
  return {
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
    DYNAMODB_ENDPOINT: dynamoEndpoint,
    EVENTBRIDGE_ENDPOINT: `${url}/_local/eventbridge`,
    [EVENT_BUS_ENV]: busName,
    POWERTOOLS_SERVICE_NAME: 'merchandiser',
    POWERTOOLS_LOG_LEVEL: logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    // Business metrics are CloudWatch EMF lines on Lambda; locally they would only be noise.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    // Development keys for the pricing function; on AWS they come from Secrets Manager or SSM.
    AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET ?? LOCAL_DEV_JWT_SECRET,
    QUOTE_SIGNING_KEY: process.env.QUOTE_SIGNING_KEY ?? 'local-dev-quote-signing-key-not-for-production',
    ...Object.fromEntries(Object.entries(tableNames).map(([id, name]) => [tableEnvVar(id as TableId), name])),
  };
}
