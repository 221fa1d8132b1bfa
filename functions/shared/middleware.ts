import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { logger, metrics, tracer } from './powertools';

/** The Powertools middlewares every function wears: trace, log context with request id, EMF flush. */
export const withPowertools = <Event, Result>(handler: (event: Event) => Promise<Result>) =>
  middy(handler).use(captureLambdaHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
