/** Largest request body: a batch of 10,000 envelopes with long summaries fits. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;
