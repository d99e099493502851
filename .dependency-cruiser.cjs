/**
 * The layers of btsim's sources and the import rules between them, checked by dependency-cruiser
 * (test/architecture.test.ts runs it; by hand: `npx depcruise src workers --config .dependency-cruiser.cjs`).
 *
 * A file may import only from its own layer or a lower one. Type-only imports count too.
 * Layers on one rank are siblings: frontend and backend never import each other (they talk
 * only through mem/); the entry points on the top rank may share code.
 */

/** Lowest rank first; each layer is a name and the path regex of its files. */
const RANKS = [
  // Generic utilities with no domain knowledge; ambient declarations for third-party modules.
  [['base', '^src/base/'], ['types', '^src/types/']],
  [['model', '^src/model/']],
  [['mem', '^src/mem/']],
  [['workload', '^src/workload/']],
  [['io', '^src/io/']],
  [['oracle', '^src/oracle/']],
  [['consumers', '^src/consumers/']],
  [['designs', '^src/designs/']],
  [['frontend', '^src/frontend/'], ['backend', '^src/backend/']],
  [['run', '^src/run/']],
  [['explore', '^src/explore/']],
  [['sweep', '^src/sweep/']],
  [['report', '^src/report/']],
  [['cli', '^src/cli/'], ['workers', '^workers/'], ['index', '^src/index\\.ts$']],
];

const either = (paths) => `(${paths.join('|')})`;
const layerRules = RANKS.flatMap((rank, r) => {
  const higher = RANKS.slice(r + 1).flat().map(([, path]) => path);
  if (higher.length === 0) return [];
  return rank.map(([name, path]) => ({
    name: `${name}-imports-higher-layer`,
    comment: `${name} may import only from its own layer or lower ones (.dependency-cruiser.cjs RANKS)`,
    severity: 'error',
    from: { path },
    to: { path: either(higher) },
  }));
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle: modules that cannot be understood (or loaded) one without the other',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'frontend-imports-backend',
      comment: 'frontend and backend are siblings: they talk only through mem/',
      severity: 'error',
      from: { path: '^src/frontend/' },
      to: { path: '^src/backend/' },
    },
    {
      name: 'backend-imports-frontend',
      comment: 'frontend and backend are siblings: they talk only through mem/',
      severity: 'error',
      from: { path: '^src/backend/' },
      to: { path: '^src/frontend/' },
    },
    {
      name: 'outside-any-layer',
      comment: 'every file under src/ belongs to a layer of RANKS (add the folder there)',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: either(RANKS.flat().map(([, path]) => path)) },
    },
    {
      name: 'imports-tests-or-bench',
      comment: 'production code does not depend on tests or benchmarks',
      severity: 'error',
      from: { path: '^(src|workers)/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    // Type-only imports are dependencies too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
