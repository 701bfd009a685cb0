/** What Rapport needs from a message broker, and nothing more: kafkajs (unmaintained since 2023) stays behind it. */
export interface OutgoingMessage {
  key: string;
  /** The text, or its UTF-8 bytes. */
  value: string | Buffer;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface MessageProducer {
  /** Sends in order; resolves when the broker has them (all replicas in sync). */
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface RunningConsumer {
  /** Finishes the batch in hand, commits it, and leaves the group. */
  stop(): Promise<void>;
}

export interface ConsumeOptions {
  groupId: string;
  topic: string;
  fromBeginning?: boolean;
  /** Batches of different partitions handled at once (order is kept within a partition). Default 1. */
  partitionsConcurrently?: number;
  /**
   * Batches of several partitions that arrive together (fetched at once) are handed to one `handle` call, each
   * partition's messages in order and one partition's after another's, and their offsets committed in one request.
   * If that call throws, none of them is committed.
   */
  combinePartitions?: boolean;
}

export interface MessageBus {
  ensureTopics(topics: Array<{ name: string; partitions: number }>): Promise<void>;
  /** An idempotent producer: a retried send is written once, in order per partition. */
  producer(): Promise<MessageProducer>;
  /**
   * Runs a consumer group member. Each batch is handed over and the offsets are committed only after `handle`
   * resolves; if it throws, nothing is committed and the batch comes again.
   */
  consume(options: ConsumeOptions, handle: (messages: IncomingMessage[]) => Promise<void>): Promise<RunningConsumer>;
  close(): Promise<void>;
}
