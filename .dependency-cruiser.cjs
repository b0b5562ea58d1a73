/**
 * The architecture as rules: a pure core that imports no adapter and does no I/O; services
 * over the store; HTTP and CLI as the outer ring. CI fails when an import breaks a boundary.
 */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'src/core holds domain rules only: no store, HTTP, CLI, app services or I/O modules.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: {
        path: [
          '^src/(store|http|cli|app)/',
          '^src/(server|config)\\.ts$',
          '^node_modules/(fastify|kysely|pg|better-sqlite3|pino|commander)/',
          '^(fs|net|http|https|child_process|node:fs|node:net|node:http|node:https|node:child_process)$',
        ],
      },
    },
    {
      name: 'store-below-services',
      comment: 'The store knows rows, not services or transports.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(app|http|cli)/' },
    },
    {
      name: 'services-below-adapters',
      comment: 'Services are transport-free so HTTP and CLI share them.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/(http|cli)/' },
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
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
