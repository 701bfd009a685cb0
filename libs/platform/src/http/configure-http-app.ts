import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { ProblemDetailsFilter } from './problem-details.filter';
import { problemValidationPipe } from './validation';

/** Largest request body: a batch of 10,000 envelopes with long summaries fits. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * What every Rapport HTTP app shares: body parsers (JSON and NDJSON), problem+json errors, validated parameters,
 * pino logs. Signals: `runUntilSignal`.
 */
export function configureHttpApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.useLogger(app.get(Logger));
  express.useBodyParser('json', { limit: MAX_BODY_BYTES });
  express.useBodyParser('text', { type: 'application/x-ndjson', limit: MAX_BODY_BYTES });
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(problemValidationPipe());
}
