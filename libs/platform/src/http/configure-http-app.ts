import { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { ProblemDetailsFilter } from './problem-details.filter';
import { problemValidationPipe } from './validation';

/** Largest request body: a batch of 10,000 envelopes with long summaries fits. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * What every Rapport HTTP app shares: security headers (helmet), CORS only for the origins configured, body parsers
 * (JSON and NDJSON), problem+json errors, validated parameters, pino logs. Signals: `runUntilSignal`.
 */
export function configureHttpApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.useLogger(app.get(Logger));
  // The dashboard talks to the identity provider (discovery, token) when one signs it in: its origin may be fetched.
  const issuer = app.get(ConfigService).get<string>('RAPPORT_OIDC_ISSUER');
  express.use(
    helmet({
      contentSecurityPolicy: { directives: { connectSrc: ["'self'", ...(issuer ? [new URL(issuer).origin] : [])] } },
    }),
  );
  const origins = app.get(ConfigService).get<string>('RAPPORT_CORS_ORIGINS');
  if (origins) {
    express.enableCors({ origin: origins.split(','), allowedHeaders: ['authorization', 'content-type', 'last-event-id'], maxAge: 600 });
  }
  express.useBodyParser('json', { limit: MAX_BODY_BYTES });
  express.useBodyParser('text', { type: 'application/x-ndjson', limit: MAX_BODY_BYTES });
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(problemValidationPipe());
}
