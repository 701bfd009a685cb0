export * from './embedded-postgres-server';
export * from './free-port';
export * from './migrator';
export * from './embedded-server-file';
export * from './transaction';
export * from './copy-text-buffer';
export * from './sql-literal';
