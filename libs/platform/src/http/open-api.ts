import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export function openApiDocument(app: INestApplication, title: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(title)
    .setDescription(
      'Rapport: account health, churn risk, expansion and retention metrics from an immutable event log. ' +
        'Errors are application/problem+json (RFC 9457).',
    )
    .setVersion('1')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** OpenAPI description at /docs (UI) and /docs-json. */
export function setupOpenApi(app: INestApplication, title: string): void {
  SwaggerModule.setup('docs', app, openApiDocument(app, title));
}
