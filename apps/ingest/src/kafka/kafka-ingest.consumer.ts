import { BeforeApplicationShutdown, HttpStatus, Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CommandBus } from '@nestjs/cqrs';
import secureJson from 'secure-json-parse';
import {
  IncomingMessage,
  MESSAGE_BUS,
  MessageBus,
  MessageProducer,
  RunningConsumer,
  TOPIC_NAMES,
  TOPIC_PARTITIONS,
  TopicNames,
} from '@rapport/messaging';
import { PARSE_OPTIONS, ProblemDetails, problemTypes } from '@rapport/platform';
import { IngestRefusal, IngestRefused, isPermanent } from '../commands/ingest-events/ingest-errors';
import { IngestEventsCommand, Writer } from '../commands/ingest-events/ingest-events.command';
import { ingestProblem } from '../commands/ingest-events/ingest-problems';

export const INGEST_CONSUMER_GROUP = 'rapport-ingest';

/**
 * Messages ingested as one command unless RAPPORT_KAFKA_COMMAND_EVENTS says otherwise. The partitions of one fetch had
 * been one command, of up to ~8,500 events under bench:kafka-ingest's burst, all of whose objects lived until its
 * append committed. In commands of 1,000 (the import's batch) ingest spent 50.8–60.5 µs of CPU an event against
 * 63.2–74.7, six alternated pairs (2026-12-04, docs/benchmarks.md).
 */
const COMMAND_EVENTS = 1000;

/**
 * Kafka in: each message of rapport.ingest.v1 is one envelope, ingested like POST /v1/events (same validation,
 * same idempotency). A message that can never be ingested (bad JSON, invalid, unknown account, broken rule) goes to
 * the dead-letter topic with the problem in its headers, and the consumer moves on. Anything else (the database is
 * down) fails the batch: nothing is committed and it comes again. Offsets are committed after the append.
 */
@Injectable()
export class KafkaIngestConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('kafka-ingest');
  private consumer?: RunningConsumer;
  private deadLetters?: MessageProducer;

  constructor(
    @Optional() @Inject(MESSAGE_BUS) private readonly bus: MessageBus | null,
    @Inject(TOPIC_NAMES) private readonly topics: TopicNames,
    private readonly commands: CommandBus,
    private readonly config: ConfigService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.bus) return;
    await this.bus.ensureTopics([
      { name: this.topics.ingest, partitions: TOPIC_PARTITIONS },
      { name: this.topics.ingestDeadLetters, partitions: TOPIC_PARTITIONS },
    ]);
    this.deadLetters = await this.bus.producer();
    // Messages are keyed by account, so partitions can go in parallel: order is needed within an account only.
    // The partitions fetched together are handled together: their messages in commands of COMMAND_EVENTS, one offset commit.
    this.consumer = await this.bus.consume(
      { groupId: INGEST_CONSUMER_GROUP, topic: this.topics.ingest, partitionsConcurrently: TOPIC_PARTITIONS, combinePartitions: true },
      (messages) => this.handle(messages),
    );
    this.logger.log(`consuming ${this.topics.ingest}`);
  }

  /** Events from Kafka record the topic as their sender; RAPPORT_KAFKA_SYSTEMS limits the source systems it may carry. */
  private writer(): Writer {
    const systems = this.config.get<string>('RAPPORT_KAFKA_SYSTEMS');
    return { recordedBy: `kafka:${this.topics.ingest}`, systems: systems ? systems.split(',') : 'any' };
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    await this.deadLetters?.disconnect();
  }

  /**
   * A batch is ingested in order, RAPPORT_KAFKA_COMMAND_EVENTS messages a command (one transaction each: items apply
   * in order, so per-account order holds). Offsets are committed once the whole batch is in: should a command fail
   * for a reason that may pass, the batch comes again, and the commands before it append nothing the second time.
   */
  private async handle(messages: IncomingMessage[]): Promise<void> {
    const size = Number(this.config.get<string>('RAPPORT_KAFKA_COMMAND_EVENTS') ?? COMMAND_EVENTS);
    for (let i = 0; i < messages.length; i += size) await this.ingest(messages.slice(i, i + size));
  }

  /** One command; if any message cannot be ingested, they are taken one by one, and only those go to the DLQ. */
  private async ingest(messages: IncomingMessage[]): Promise<void> {
    const parsed = messages.map((message) => ({ message, envelope: parse(message.value) }));
    const values = parsed.flatMap(({ envelope }) => (envelope.ok ? [envelope.value] : []));
    try {
      if (values.length > 0) await this.commands.execute(new IngestEventsCommand(values, this.writer(), 'kafka'));
    } catch (error) {
      if (!permanentRefusal(error)) throw error;
      return this.handleOneByOne(parsed);
    }
    for (const { message, envelope } of parsed) if (!envelope.ok) await this.deadLetter(message, envelope.problem);
  }

  private async handleOneByOne(parsed: Array<{ message: IncomingMessage; envelope: Parsed }>): Promise<void> {
    for (const { message, envelope } of parsed) {
      if (!envelope.ok) {
        await this.deadLetter(message, envelope.problem);
        continue;
      }
      try {
        await this.commands.execute(new IngestEventsCommand([envelope.value], this.writer(), 'kafka'));
      } catch (error) {
        if (!permanentRefusal(error)) throw error;
        await this.deadLetter(message, ingestProblem(error));
      }
    }
  }

  private async deadLetter(message: IncomingMessage, problem: ProblemDetails): Promise<void> {
    await this.deadLetters!.send(this.topics.ingestDeadLetters, [
      {
        key: message.key ?? '',
        value: message.value ?? '',
        headers: {
          ...message.headers,
          'rapport-error-status': String(problem.status),
          'rapport-error-title': problem.title,
          'rapport-error-detail': problem.detail ?? '',
          'rapport-error-errors': JSON.stringify(problem.errors ?? []),
          'rapport-source-topic': message.topic,
          'rapport-source-partition': String(message.partition),
          'rapport-source-offset': message.offset,
        },
      },
    ]);
  }
}

type Parsed = { ok: true; value: unknown } | { ok: false; problem: ProblemDetails };

function parse(value: string | null): Parsed {
  try {
    // As the HTTP routes parse: `__proto__` or `constructor.prototype` keys are refused.
    return { ok: true, value: secureJson.parse(value ?? '', undefined, PARSE_OPTIONS) };
  } catch (error) {
    return {
      ok: false,
      problem: { type: problemTypes.malformed, title: 'Malformed JSON', status: HttpStatus.BAD_REQUEST, detail: (error as Error).message },
    };
  }
}

/** Invalid input or a broken rule comes back the same; a conflict that outlasted the retries, or a shutdown, is worth another delivery. */
function permanentRefusal(error: unknown): error is IngestRefusal {
  return error instanceof IngestRefused && isPermanent(error as IngestRefusal);
}
