import { Logger } from '@aws-lambda-powertools/logger';
import { powertoolsNames } from './config.ts';

/**
 * One logger per container. Log level and service name come from the standard Powertools
 * variables (POWERTOOLS_LOG_LEVEL, POWERTOOLS_SERVICE_NAME) that the stack and the local runtime
 * set. Events are never logged whole: they carry user and session ids only, but payloads grow.
 */
export const logger = new Logger({ serviceName: powertoolsNames().POWERTOOLS_SERVICE_NAME });
