import { Body, Controller, Headers, HttpStatus, Post, Req, Res, UseFilters } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { prefersMinimalReturn, principalOf, problem, problemTypes, RequestWithPrincipal, RequiresScope } from '@rapport/platform';
import { parseBatchBody } from './batch-body';
import { IngestEventsCommand, IngestResult, Writer } from './ingest-events.command';
import { IngestProblemsFilter } from './ingest-problems';

/** The sender of a request: its principal records the events and bounds the source systems. */
function writerOf(request: RequestWithPrincipal): Writer {
  const { id, systems } = principalOf(request);
  return { recordedBy: id, systems };
}

@Controller('v1/events')
@UseFilters(IngestProblemsFilter)
@RequiresScope('events:write')
export class IngestEventsController {
  constructor(private readonly commands: CommandBus) {}

  /** One envelope: 201 with its place in the log, or 200 with the first result when the idempotency key was seen. */
  @Post()
  async ingestOne(
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
    @Req() request: RequestWithPrincipal,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    if (!(contentType ?? '').toLowerCase().startsWith('application/json')) {
      throw problem(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        problemTypes.unsupportedMediaType,
        'Unsupported media type',
        'send one envelope as application/json',
      );
    }
    const [result] = await this.commands.execute<IngestEventsCommand, IngestResult[]>(new IngestEventsCommand([body], writerOf(request)));
    response.status(result.duplicate ? HttpStatus.OK : HttpStatus.CREATED);
    return result;
  }

  /**
   * Up to 10,000 envelopes for any accounts, all or nothing. With `Prefer: return=minimal` the answer holds the counts
   * without the results: for a client that only counts (`rapport import`), the results of a batch of 1,000 are ~120 KB
   * that ingest would serialise and write and the client parse (~0.4 µs of ingest's thread an event, profiled).
   */
  @Post('batch')
  async ingestBatch(
    @Headers('content-type') contentType: string | undefined,
    // Node joins a request's several Prefer headers with ", ", which the list syntax reads as one.
    @Headers('prefer') prefer: string | undefined,
    @Body() body: unknown,
    @Req() request: RequestWithPrincipal,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    const items = parseBatchBody(contentType, body);
    const results = await this.commands.execute<IngestEventsCommand, IngestResult[]>(
      new IngestEventsCommand(items, writerOf(request), 'http', true),
    );
    const duplicates = results.filter((r) => r.duplicate).length;
    response.status(HttpStatus.CREATED);
    if (prefersMinimalReturn(prefer)) {
      response.header('preference-applied', 'return=minimal');
      return { appended: results.length - duplicates, duplicates };
    }
    return { appended: results.length - duplicates, duplicates, results };
  }
}
