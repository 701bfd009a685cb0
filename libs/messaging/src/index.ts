export * from './message-bus.port';
export * from './kafkajs-message-bus';
export * from './topics';
export * from './messaging.module';
export * from './outbox-relay';
