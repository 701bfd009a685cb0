import { BeforeApplicationShutdown, Controller, Headers, Inject, MessageEvent, OnModuleInit, Query, Sse } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';
import { Pool } from 'pg';
import { Observable, Subscriber } from 'rxjs';
import { PG_POOL, RequiresScope } from '@rapport/platform';
import { migrateOutbox, readOutbox } from '@rapport/read-models';

export class StreamQuery {
  @ApiPropertyOptional({ description: 'Resume after this event id (the SSE id, as Last-Event-ID would); 0 replays everything.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an SSE event id (integer ≥ 0)' })
  @Min(0, { message: 'must be an SSE event id (integer ≥ 0)' })
  after?: number;
}

const POLL_MS = 200;

/**
 * `GET /v1/stream/health`: the outbound events (AccountHealthChanged, ChurnRiskRaised, ExpansionSignalDetected,
 * AccountChurned) as Server-Sent Events, for subscribers without Kafka. The SSE id is the outbox sequence, so a
 * client that reconnects with Last-Event-ID gets what it missed, in order; without it, the stream starts now.
 */
@ApiTags('stream')
@Controller('v1/stream')
@RequiresScope('read')
export class HealthStreamController implements OnModuleInit, BeforeApplicationShutdown {
  private readonly subscribers = new Set<Subscriber<MessageEvent>>();

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async onModuleInit(): Promise<void> {
    await migrateOutbox(this.pool);
  }

  /** Open streams would keep the HTTP server from closing: end them; clients reconnect with Last-Event-ID. */
  beforeApplicationShutdown(): void {
    for (const subscriber of this.subscribers) subscriber.complete();
  }

  @Sse('health')
  @ApiOperation({ summary: 'Outbound health events as Server-Sent Events; resumable with Last-Event-ID' })
  stream(@Headers('last-event-id') lastEventId: string | undefined, @Query() query: StreamQuery): Observable<MessageEvent> {
    const resumeFrom = lastEventId !== undefined && /^\d+$/.test(lastEventId) ? Number(lastEventId) : query.after;
    return new Observable<MessageEvent>((subscriber) => {
      let open = true;
      this.subscribers.add(subscriber);
      (async () => {
        let after =
          resumeFrom ??
          Number((await this.pool.query<{ seq: string }>('SELECT coalesce(max(seq), 0) AS seq FROM rapport_outbox')).rows[0].seq);
        while (open) {
          const rows = await readOutbox(this.pool, after, 500);
          for (const row of rows) {
            if (!open) return;
            subscriber.next({ id: String(row.seq), type: row.event.type, data: row.event });
            after = row.seq;
          }
          if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      })().catch((error) => open && subscriber.error(error));
      return () => {
        open = false;
        this.subscribers.delete(subscriber);
      };
    });
  }
}
