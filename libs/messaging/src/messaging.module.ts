import { readFileSync } from 'node:fs';
import { Global, Inject, Injectable, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { KafkajsMessageBus, KafkaOptions, SaslMechanism } from './kafkajs-message-bus';
import { MessageBus } from './message-bus.port';
import { TOPICS } from './topics';

export const MESSAGE_BUS = Symbol('MessageBus');
/** The Kafka connection settings (null without KAFKA_BROKERS), for a client built apart from MESSAGE_BUS (a worker thread's). */
export const KAFKA_OPTIONS = Symbol('KafkaOptions');
export const TOPIC_NAMES = Symbol('TopicNames');
export type TopicNames = { -readonly [K in keyof typeof TOPICS]: string };

/** TLS settings: the system's CAs, or the PEM file KAFKA_SSL_CA names (read at start: a bad path stops it, named). */
function trustedCa(path: string | undefined): true | { ca: string[] } {
  if (!path) return true;
  try {
    return { ca: [readFileSync(path, 'utf8')] };
  } catch (error) {
    throw new Error(`KAFKA_SSL_CA: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

@Injectable()
class MessageBusLifecycle implements OnApplicationShutdown {
  constructor(@Optional() @Inject(MESSAGE_BUS) private readonly bus: MessageBus | null) {}
  async onApplicationShutdown(): Promise<void> {
    await this.bus?.close();
  }
}

/** The message bus when KAFKA_BROKERS is set (null otherwise: Kafka in and out are then off), and the topic names. */
@Global()
@Module({
  providers: [
    {
      provide: KAFKA_OPTIONS,
      inject: [ConfigService],
      useFactory: (config: ConfigService): KafkaOptions | null => {
        const brokers = config.get<string>('KAFKA_BROKERS');
        if (!brokers) return null;
        const mechanism = config.get<SaslMechanism>('KAFKA_SASL_MECHANISM');
        return {
          brokers,
          clientId: 'rapport',
          ssl: config.get<string>('KAFKA_SSL') === 'true' ? trustedCa(config.get<string>('KAFKA_SSL_CA')) : false,
          sasl: mechanism
            ? {
                mechanism,
                username: config.get<string>('KAFKA_SASL_USERNAME') ?? '',
                password: config.get<string>('KAFKA_SASL_PASSWORD') ?? '',
              }
            : undefined,
        };
      },
    },
    {
      provide: MESSAGE_BUS,
      inject: [KAFKA_OPTIONS],
      useFactory: (options: KafkaOptions | null): MessageBus | null => (options ? new KafkajsMessageBus(options) : null),
    },
    {
      provide: TOPIC_NAMES,
      inject: [ConfigService],
      useFactory: (config: ConfigService): TopicNames => {
        const prefix = config.get<string>('KAFKA_TOPIC_PREFIX') ?? '';
        return {
          ingest: prefix + TOPICS.ingest,
          ingestDeadLetters: prefix + TOPICS.ingestDeadLetters,
          accountHealth: prefix + TOPICS.accountHealth,
        };
      },
    },
    MessageBusLifecycle,
  ],
  exports: [KAFKA_OPTIONS, MESSAGE_BUS, TOPIC_NAMES],
})
export class MessagingModule {}
