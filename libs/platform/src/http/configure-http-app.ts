import { DynamicModule, INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyStatic from '@fastify/static';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import { ROOT_LOGGER } from '../logging/logging.module';
import { logRequests } from '../logging/request-log';
import { Metrics } from '../metrics/metrics.module';
import { MAX_BATCH_ITEMS, MAX_BODY_BYTES } from './body-limit';
import { readJsonBody } from './json-body';
import { readNdjson } from './ndjson-body';
import { ProblemDetailsFilter } from './problem-details.filter';
import { problemValidationPipe } from './validation';

/**
 * The HTTP server under every Rapport app: Fastify, which measured three times Express's requests per core under Nest
 * on the development machine (docs/benchmarks.md). Trailing slashes are ignored, as Express did.
 */
export function httpAdapter(): FastifyAdapter {
  return new FastifyAdapter({ bodyLimit: MAX_BODY_BYTES, routerOptions: { ignoreTrailingSlash: true } });
}

/**
 * Options every Rapport app is created with: Nest registers no body parser of its own (it would take application/json
 * at init, where `configureHttpApp` installs the one that parses a batch as it arrives).
 */
export const HTTP_APP_OPTIONS = { bodyParser: false } as const;

/** A Rapport app on its HTTP server, configured (`configureHttpApp`) and ready to listen. */
export async function createHttpApp(module: DynamicModule): Promise<NestFastifyApplication> {
  const options = { ...HTTP_APP_OPTIONS, bufferLogs: true };
  const app = await NestFactory.create<NestFastifyApplication>(module, httpAdapter(), options);
  await configureHttpApp(app);
  return app;
}

/**
 * What every Rapport HTTP app shares: security headers (helmet), CORS only for the origins configured, body parsers
 * (JSON arrays parsed element by element and NDJSON line by line, as they arrive; any other type reaches the route
 * as bytes, for it to refuse by name), problem+json errors, validated parameters, pino logs, latency per route.
 * Signals: `runUntilSignal`.
 */
export async function configureHttpApp(nestApp: INestApplication): Promise<void> {
  const app = nestApp as NestFastifyApplication;
  app.useLogger(app.get(Logger));
  const config = app.get(ConfigService);
  // The dashboard talks to the identity provider (discovery, token) when one signs it in: its origin may be fetched.
  const issuer = config.get<string>('RAPPORT_OIDC_ISSUER');
  // Helmet's headers, built once: @fastify/helmet builds them again at every request (a tenth of the edge's garbage).
  const securityHeaders = helmet({
    contentSecurityPolicy: { directives: { connectSrc: ["'self'", ...(issuer ? [new URL(issuer).origin] : [])] } },
  });
  // reply.sendFile, for the dashboard's files; every call names its own root.
  await app.register(fastifyStatic, { root: process.cwd(), serve: false });
  const origins = config.get<string>('RAPPORT_CORS_ORIGINS');
  if (origins) {
    app.enableCors({ origin: origins.split(','), allowedHeaders: ['authorization', 'content-type', 'last-event-id'], maxAge: 600 });
  }
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) =>
    securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)),
  );
  // JSON too is parsed as it arrives: a batch's elements one by one (readJsonBody), with Fastify's own safeguards.
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', (request, payload, done) =>
    readJsonBody(payload, Number(request.headers['content-length']), { maxBytes: MAX_BODY_BYTES, maxItems: MAX_BATCH_ITEMS }, done),
  );
  fastify.addContentTypeParser('application/x-ndjson', (request, payload, done) =>
    readNdjson(payload, Number(request.headers['content-length']), { maxBytes: MAX_BODY_BYTES, maxItems: MAX_BATCH_ITEMS }, done),
  );
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  logRequests(fastify, app.get<typeof ROOT_LOGGER, PinoLogger>(ROOT_LOGGER));
  const metrics = app.get(Metrics);
  fastify.addHook('onResponse', (request, reply, done) => {
    // The matched route pattern, not the path: one series per route, whatever the ids in it.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(problemValidationPipe());
}
