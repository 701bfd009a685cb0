import 'reflect-metadata';
import { runService } from '@rapport/platform';
import { ProjectorAppModule } from './projector-app.module';

runService(ProjectorAppModule.forRoot(), { defaultPort: 3003 });
