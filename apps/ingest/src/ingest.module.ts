import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { IngestEventsController } from './commands/ingest-events/ingest-events.controller';
import { IngestEventsHandler } from './commands/ingest-events/ingest-events.handler';
import { GetEventController } from './queries/get-event/get-event.controller';
import { GetEventHandler } from './queries/get-event/get-event.query';
import { KafkaIngestConsumer } from './kafka/kafka-ingest.consumer';

/** The command side: api.md's Ingest routes, and Kafka in when KAFKA_BROKERS is set. Needs the Database and Messaging modules. */
@Module({
  imports: [CqrsModule],
  controllers: [IngestEventsController, GetEventController],
  providers: [IngestEventsHandler, GetEventHandler, KafkaIngestConsumer],
})
export class IngestModule {}
