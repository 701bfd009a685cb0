import { Kafka, logLevel } from 'kafkajs';

/**
 * Deletes a run's topics (those named with `prefix`): a broker left with every earlier run's partitions (hundreds
 * after a day of runs) spent more and more CPU on them, on the same two cores as the services it measured.
 */
export async function deleteTopics(brokers: string, prefix: string): Promise<void> {
  const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
