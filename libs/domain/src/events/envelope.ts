// Decorator metadata (class-transformer's @Type, emitDecoratorMetadata) needs the Reflect polyfill loaded first.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsObject, IsOptional, IsString, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
import { AccountEvent, EVENT_TYPES, EventType } from './event-catalog';
import { IsInstantWithZone } from './validation-decorators';

export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const SOURCE_SYSTEM_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export class EventSource {
  @IsString({ message: 'must be a string' })
  @Matches(SOURCE_SYSTEM_PATTERN, { message: `must match ${SOURCE_SYSTEM_PATTERN.source} (lower-case name of the integrating system)` })
  system!: string;

  @IsString({ message: 'must be a string' })
  @Length(1, 256, { message: 'must be a string of 1 to 256 characters' })
  eventId!: string;
}

/** The inbound envelope of events.md: one fact from one source system, the same over HTTP and Kafka. */
export class EventEnvelopeShape {
  @IsIn(EVENT_TYPES, { message: `must be one of the catalog's types: ${EVENT_TYPES.join(', ')}` })
  type!: string;

  @IsString({ message: 'must be a string' })
  @Matches(ACCOUNT_ID_PATTERN, { message: `must match ${ACCOUNT_ID_PATTERN.source}` })
  accountId!: string;

  @IsInstantWithZone()
  occurredAt!: string;

  @IsDefined({ message: 'is required: {system, eventId}' })
  @IsObject({ message: 'must be an object {system, eventId}' })
  @ValidateNested()
  @Type(() => EventSource)
  source!: EventSource;

  @IsOptional()
  @IsString({ message: 'must be a string' })
  @MaxLength(256, { message: 'must be at most 256 characters' })
  actor?: string;

  @IsDefined({ message: 'is required: the type-specific data object' })
  @IsObject({ message: 'must be an object' })
  data!: Record<string, unknown>;
}

/** A validated envelope: its `type` and `data` form an AccountEvent. */
export type EventEnvelope = AccountEvent & {
  accountId: string;
  occurredAt: string;
  source: { system: string; eventId: string };
  actor?: string;
};

export type EnvelopeOf<T extends EventType> = Extract<EventEnvelope, { type: T }>;
