import { Controller, Get, Param } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { StoredEventView } from '@rapport/domain';
import { GetEventQuery } from './get-event.query';
import { RequiresScope } from '@rapport/platform';

@Controller('v1/events')
@RequiresScope('read')
export class GetEventController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':eventId')
  getEvent(@Param('eventId') eventId: string): Promise<StoredEventView> {
    return this.queries.execute<GetEventQuery, StoredEventView>(new GetEventQuery(eventId));
  }
}
