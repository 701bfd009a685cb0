/** api.md's topics. Partitions: per account order is kept by keying every message with its accountId. */
export const TOPICS = {
  ingest: 'rapport.ingest.v1',
  ingestDeadLetters: 'rapport.ingest.v1.dlq',
  accountHealth: 'rapport.account-health.v1',
} as const;

export const TOPIC_PARTITIONS = 4;
