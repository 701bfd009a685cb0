export * from './account-projection';
export * from './read-model.sql';
export * from './read-model-schemas';
export * from './read-model-writer';
export * from './read-model-projector';
export * from './read-model-rebuild';
export * from './outbound-events';
export * from './outbox';
