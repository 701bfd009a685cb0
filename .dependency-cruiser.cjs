/** Layer rules (architecture.md): a pure domain, libraries that never reach into apps. Run by `npm test`. */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'libs/domain: no NestJS, no I/O, no adapters, no apps; only validation and id libraries.',
      severity: 'error',
      from: { path: '^libs/domain/', pathNot: '^libs/domain/src/events/event-identity\\.ts$' },
      to: { pathNot: ['^libs/domain/', 'node_modules/(class-validator|class-transformer|uuid|reflect-metadata)/'] },
    },
    {
      name: 'event-ids-are-derived',
      comment: "Event ids are a hash of their idempotency key: node:crypto's hash, and nothing else, beside the domain.",
      severity: 'error',
      from: { path: '^libs/domain/src/events/event-identity\\.ts$' },
      to: { pathNot: ['^libs/domain/', '^crypto$'] },
    },
    {
      name: 'libs-do-not-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-do-not-import-other-apps',
      comment: 'Only the standalone app composes the others.',
      severity: 'error',
      from: { path: '^apps/(ingest|projector|query)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.(spec|int-spec|e2e-spec)\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
