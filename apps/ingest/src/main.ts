import 'reflect-metadata';
import { runService } from '@rapport/platform';
import { IngestAppModule } from './ingest-app.module';

runService(IngestAppModule.forRoot(), { defaultPort: 3001, openApiTitle: 'Rapport ingest API' });
