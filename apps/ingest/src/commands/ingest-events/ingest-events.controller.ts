import { Body, Controller, Headers, HttpStatus, Post, Res, UseFilters } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { problem, problemTypes } from '@rapport/platform';
import { parseBatchBody } from './batch-body';
import { IngestEventsCommand, IngestResult } from './ingest-events.command';
import { IngestProblemsFilter } from './ingest-problems';

@Controller('v1/events')
@UseFilters(IngestProblemsFilter)
export class IngestEventsController {
  constructor(private readonly commands: CommandBus) {}

  /** One envelope: 201 with its place in the log, or 200 with the first result when the idempotency key was seen. */
  @Post()
  async ingestOne(
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ) {
    if (!(contentType ?? '').toLowerCase().startsWith('application/json')) {
      throw problem(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        problemTypes.unsupportedMediaType,
        'Unsupported media type',
        'send one envelope as application/json',
      );
    }
    const [result] = await this.commands.execute<IngestEventsCommand, IngestResult[]>(new IngestEventsCommand([body]));
    response.status(result.duplicate ? HttpStatus.OK : HttpStatus.CREATED);
    return result;
  }

  /** Up to 10,000 envelopes for any accounts, all or nothing. */
  @Post('batch')
  async ingestBatch(
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ) {
    const items = parseBatchBody(contentType, body);
    const results = await this.commands.execute<IngestEventsCommand, IngestResult[]>(new IngestEventsCommand(items));
    const duplicates = results.filter((r) => r.duplicate).length;
    response.status(HttpStatus.CREATED);
    return { appended: results.length - duplicates, duplicates, results };
  }
}
