import { HttpStatus, Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE, EventStore } from '@rapport/event-store';
import { decodeEvent, eventView, StoredEventView } from '@rapport/domain';
import { problem, problemTypes } from '@rapport/platform';

export class GetEventQuery {
  constructor(readonly eventId: string) {}
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@QueryHandler(GetEventQuery)
export class GetEventHandler implements IQueryHandler<GetEventQuery, StoredEventView> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ eventId }: GetEventQuery): Promise<StoredEventView> {
    if (!UUID.test(eventId)) {
      throw problem(HttpStatus.BAD_REQUEST, problemTypes.invalid, 'Invalid event id', 'an event id is a UUID', [
        { field: 'eventId', message: 'must be a UUID' },
      ]);
    }
    const event = (await this.store.readEvents([eventId.toLowerCase()])).get(eventId.toLowerCase());
    if (!event) throw problem(HttpStatus.NOT_FOUND, problemTypes.notFound, 'Event not found', `no event with id ${eventId}`);
    return eventView(decodeEvent(event));
  }
}
