import { inspect } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { KafkajsMessageBus } from '@rapport/messaging/kafkajs-message-bus';
import { OutboxRelay } from '@rapport/messaging/outbox-relay';
import { createPool } from '@rapport/platform/database/pool';
import type { RelayWorkerData, RelayWorkerMessage } from './relay-thread';

/** The outbox relay's worker thread, started by `RelayThread`: a pool of its own and a Kafka producer; logs go to the parent. */
const port = parentPort!;
const { databaseUrl, kafka, topic } = workerData as RelayWorkerData;
const post = (message: RelayWorkerMessage) => port.postMessage(message);
const log = {
  info: (message: string) => post({ level: 'info', message }),
  log: (message: string) => post({ level: 'info', message }),
  warn: (message: string) => post({ level: 'warn', message }),
  error: (message: string, error?: unknown) =>
    post({
      level: 'error',
      message,
      error:
        error === undefined
          ? undefined
          : error instanceof Error
            ? { message: error.message, stack: error.stack }
            : { message: inspect(error) },
    }),
};

// The leader lock's connection, and one to spare for a reconnect.
const pool = createPool(databaseUrl, 2, log);
const bus = new KafkajsMessageBus(kafka);
const relay = new OutboxRelay(pool, bus, topic, log);
relay.start();

port.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  void (async () => {
    await relay.stop();
    await bus.close();
    await pool.end();
    // Ends this thread (not the process) even should a client leave a timer behind.
    process.exit(0);
  })();
});
