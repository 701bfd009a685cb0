export * from './retry';
export * from './wake-signal';
