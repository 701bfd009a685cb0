import 'reflect-metadata';
import { runService } from '@rapport/platform';
import { QueryAppModule } from './query-app.module';

runService(QueryAppModule.forRoot(), {
  defaultPort: 3002,
  openApiTitle: 'Rapport query API',
  processesVariable: 'RAPPORT_QUERY_PROCESSES',
});
