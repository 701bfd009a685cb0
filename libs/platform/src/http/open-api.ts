import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** OpenAPI description at /docs (UI) and /docs-json. */
export function setupOpenApi(app: INestApplication, title: string): void {
  const config = new DocumentBuilder()
    .setTitle(title)
    .setDescription('Rapport: account health, churn risk, expansion and retention metrics from an immutable event log. Errors are application/problem+json (RFC 9457).')
    .setVersion('1')
    .build();
  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, config));
}
