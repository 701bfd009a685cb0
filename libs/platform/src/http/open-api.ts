import { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { authorize } from '../access/access.guard';
import { Authenticator } from '../access/authenticator';
import { ProblemException } from './problem';

export function openApiDocument(app: INestApplication, title: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(title)
    .setDescription(
      'Rapport: account health, churn risk, expansion and retention metrics from an immutable event log. ' +
        'Errors are application/problem+json (RFC 9457). Every route but /health/* needs Authorization: Bearer <API key or token>.',
    )
    .setVersion('1')
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** OpenAPI description at /docs (UI) and /docs-json, behind a `read` credential unless RAPPORT_PUBLIC_DOCS=true. */
export function setupOpenApi(app: INestApplication, title: string): void {
  if (app.get(ConfigService).get<string>('RAPPORT_PUBLIC_DOCS') !== 'true') {
    const authenticator = app.get(Authenticator);
    // Swagger's routes are not Nest controllers, so the access guard does not see them: this hook does its work.
    (app as NestFastifyApplication)
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', async (request, reply) => {
        if (!/^\/docs(-json)?(\/|\?|$)/.test(request.url)) return;
        try {
          await authorize(authenticator, request.headers.authorization, 'read');
        } catch (error) {
          if (!(error instanceof ProblemException)) throw error;
          return reply
            .headers(error.headers)
            .status(error.problem.status)
            .type('application/problem+json')
            .send(JSON.stringify({ ...error.problem, instance: request.url }));
        }
      });
  }
  SwaggerModule.setup('docs', app, openApiDocument(app, title));
}
