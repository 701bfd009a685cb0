export * from './event-store.port';
export * from './in-memory/in-memory-event-store';
export * from './postgres/postgres-event-store';
export * from './kurrentdb/kurrentdb-event-store';
export * from './hash-chain';
export * from './verify-log';
