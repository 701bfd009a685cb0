/** Largest request body: a batch of 10,000 envelopes with long summaries fits. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Most envelopes a batch may hold (api.md): an NDJSON body's lines past it are read but not parsed. */
export const MAX_BATCH_ITEMS = 10_000;
