import { Controller, Get, HttpStatus, Inject, Query, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { accountStreamId } from '@rapport/domain';
import { chainDocument, EVENT_STORE, EventStore, isTamperEvident, TamperEvidentLog, verifyLog } from '@rapport/event-store';
import { problem, problemTypes, RequiresScope } from '@rapport/platform';
import { KnowledgeTime } from '../knowledge-time';
import { ExportQuery } from '../query-params';

/** Events per read while exporting: the export streams, whatever the log's size. */
const EXPORT_PAGE = 2_000;

/** Tamper evidence and the auditors' export (docs/api.md, "Audit"). */
@ApiTags('audit')
@Controller('v1')
export class AuditController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly knowledgeTime: KnowledgeTime,
  ) {}

  @Get('audit/verify')
  @RequiresScope('admin')
  @ApiOperation({
    summary: "Walks the log and checks every event's hash and its link to the previous one → {ok, events, head, firstBroken?}",
  })
  verify() {
    return verifyLog(this.chained());
  }

  @Get('export')
  @RequiresScope('read')
  @ApiProduces('application/x-ndjson')
  @ApiOperation({
    summary:
      'NDJSON of stored events in global order, with positions, recordedAt, metadata.recordedBy, hash and prevHash; ?accountId= ?asOf=',
  })
  async export(@Query() query: ExportQuery): Promise<StreamableFile> {
    const log = this.chained();
    const knowledge = await this.knowledgeTime.resolve(query.asOf);
    const until = knowledge?.position ?? (await this.store.headPosition());
    const streamId = query.accountId === undefined ? undefined : accountStreamId(query.accountId);
    return new StreamableFile(Readable.from(exportLines(log, until, streamId)), {
      type: 'application/x-ndjson',
      disposition: `attachment; filename="rapport-export-${until}.ndjson"`,
    });
  }

  private chained(): TamperEvidentLog {
    if (isTamperEvident(this.store)) return this.store;
    throw problem(
      HttpStatus.NOT_IMPLEMENTED,
      problemTypes.unavailable,
      'No hash chain',
      'this event store (KurrentDB) keeps no hash chain of its own: see docs/architecture.md for what it can and cannot prove',
    );
  }
}

/** One line per event: the hashed document (chainDocument) with its hash, so that each line can be checked alone. */
async function* exportLines(log: TamperEvidentLog, until: number, streamId: string | undefined): AsyncGenerator<string> {
  let after = 0;
  for (;;) {
    const page = await log.readChain({ after, until, streamId, limit: EXPORT_PAGE });
    if (page.length === 0) return;
    let chunk = '';
    for (const link of page) chunk += `${JSON.stringify({ ...chainDocument(link, link.prevHash ?? ''), hash: link.hash })}\n`;
    yield chunk;
    after = page[page.length - 1].globalPosition;
  }
}
