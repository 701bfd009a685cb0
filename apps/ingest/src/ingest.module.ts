import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { IngestEventsController } from './commands/ingest-events/ingest-events.controller';
import { IngestEventsHandler } from './commands/ingest-events/ingest-events.handler';
import { GetEventController } from './queries/get-event/get-event.controller';
import { GetEventHandler } from './queries/get-event/get-event.query';

/** The command side: HTTP routes of api.md's Ingest table. Needs the DatabaseModule's event store. */
@Module({
  imports: [CqrsModule],
  controllers: [IngestEventsController, GetEventController],
  providers: [IngestEventsHandler, GetEventHandler],
})
export class IngestModule {}
