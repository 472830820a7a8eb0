// Import boundaries of profile-gateway, checked by `npm run lint` (`depcruise`). The layers and their directions are
// described in the README (Code layout). Type-only imports count like any other (tsPreCompilationDeps).
//
// Layers, bottom to top (a module imports only from its own layer or below):
//   1. domain          src/profiles/          model, port, errors, adapter kinds, timestamps
//   2. config          src/config/            typed configuration, validated against the adapter kinds
//   3. building blocks src/sources/shared/, src/sources/<kind>/, src/resilience/, src/cache/, src/common/,
//                      src/openapi/, src/metrics/, src/auth/, src/tracing/, src/logging/, src/logger.ts, src/tokens.ts
//
// src/cache/ and src/resilience/ never import src/tracing/: they declare the narrow hook they call (CacheTracer in
// cache-types.ts, AttemptTracer in resilient-upstream-http.ts) and the composition root passes src/tracing/'s
// implementation in through their options, as it does with the metrics observers.
//   4. source wiring   src/sources/source-registry.ts, src/sources/upstream-http.factory.ts
//   5. application     src/api/, src/health/
//   6. entry points    src/app.module.ts, src/gateway-core.module.ts, src/bootstrap.ts, src/main.ts, src/cli.ts, src/warmer/

/** Test code: specs beside the code, and everything under test/. */
const TEST_CODE = ['\\.(spec|integration-spec|e2e-spec)\\.ts$', '^test/'];
const KIND = '^src/sources/(?!shared/)([^/]+)/';
const ENTRY_POINTS = '^src/(app\\.module|gateway-core\\.module|bootstrap|main|cli)\\.ts$|^src/warmer/';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves, so that no rule is skipped by a path that points nowhere.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'production-not-to-test-or-demo',
      severity: 'error',
      comment: 'Production code (src/ without its specs) imports nothing from test/, sandbox/, bench/ or scripts/.',
      from: { path: '^src/', pathNot: TEST_CODE },
      to: { path: '^(test|sandbox|bench|scripts)/' },
    },
    {
      name: 'sandbox-not-to-test',
      severity: 'error',
      comment: 'The sandbox (demo) is built on its own: it may use src/, never test/.',
      from: { path: '^sandbox/', pathNot: TEST_CODE },
      to: { path: '^test/' },
    },
    {
      name: 'sandbox-upstreams-standalone',
      severity: 'error',
      comment:
        "The fake upstreams (sandbox/ but the demo) import at run time only Node's built-in modules and each other (types are erased): the " +
        'sandbox image ships them without node_modules and without src/.',
      from: { path: '^sandbox/', pathNot: [...TEST_CODE, '^sandbox/demo\\.ts$'] },
      to: { pathNot: '^sandbox/', dependencyTypesNot: ['core', 'type-only'] },
    },
    {
      name: 'domain-imports-only-domain',
      severity: 'error',
      comment: 'src/profiles/ is the bottom layer: no config, no framework, no infrastructure, no npm package.',
      from: { path: '^src/profiles/', pathNot: TEST_CODE },
      to: { pathNot: '^src/profiles/' },
    },
    {
      name: 'config-imports-only-domain',
      severity: 'error',
      comment: 'src/config/ may use the domain (the adapter kinds), nothing else of src/.',
      from: { path: '^src/config/', pathNot: TEST_CODE },
      to: { path: '^src/', pathNot: '^src/(config|profiles)/' },
    },
    {
      name: 'shared-imports-only-domain-and-config',
      severity: 'error',
      comment: 'src/sources/shared/ (transport contract and implementation, mapping helpers) sits on the domain and the config types.',
      from: { path: '^src/sources/shared/', pathNot: TEST_CODE },
      to: { path: '^src/', pathNot: '^src/(profiles/|config/config\\.types\\.ts$|sources/shared/)' },
    },
    {
      name: 'adapter-imports-only-domain-and-shared',
      severity: 'error',
      comment: 'An adapter src/sources/<kind>/ imports only the domain, src/sources/shared/, the config types and option helpers, and its own folder.',
      from: { path: KIND, pathNot: TEST_CODE },
      to: { path: '^src/', pathNot: '^src/(profiles/|config/(config\\.types|kind-options|validation)\\.ts$|sources/shared/|sources/$1/)' },
    },
    {
      name: 'no-kind-imports-another-kind',
      severity: 'error',
      comment: 'No adapter (nor its specs) imports another adapter.',
      from: { path: KIND },
      to: { path: '^src/sources/(?!shared/)[^/]+/', pathNot: '^src/sources/$1/' },
    },
    {
      name: 'only-the-registry-imports-kinds',
      severity: 'error',
      comment: 'Outside test code, only src/sources/source-registry.ts (and the kind itself) imports a concrete kind.',
      from: { pathNot: [...TEST_CODE, KIND, '^src/sources/source-registry\\.ts$'] },
      to: { path: KIND },
    },
    {
      name: 'resilience-imports-only-below',
      severity: 'error',
      comment: 'src/resilience/ wraps a transport: it uses the domain, the config types and src/sources/shared/.',
      from: { path: '^src/resilience/', pathNot: TEST_CODE },
      to: { path: '^src/', pathNot: '^src/(profiles/|config/config\\.types\\.ts$|sources/shared/|resilience/)' },
    },
    {
      name: 'logging-imports-nothing-of-src',
      severity: 'error',
      comment: 'src/logging/ (log helpers such as the repeated-warning aggregator) is a leaf any layer may use: it imports nothing of src/.',
      from: { path: '^src/logging/', pathNot: TEST_CODE },
      to: { path: '^src/', pathNot: '^src/logging/' },
    },
    {
      name: 'cache-imports-only-domain-and-config',
      severity: 'error',
      comment:
        'src/cache/ stores canonical profiles: it knows the domain and the config types, no source, no HTTP layer. ' +
        'src/logging/ added for issue 17 (log floods): the background refresh warning is aggregated per source and code ' +
        'by the repeated-warning aggregator, a leaf that imports nothing of src/ (rule logging-imports-nothing-of-src).',
      from: { path: '^src/cache/', pathNot: TEST_CODE },
      to: { path: '^src/', pathNot: '^src/(profiles/|config/config\\.types\\.ts$|cache/|logging/)' },
    },
    {
      name: 'tracing-imports-only-config-and-metrics',
      severity: 'error',
      comment:
        'src/tracing/ (OpenTelemetry set-up, server spans, hooks) knows the config types and the metrics it counts drops in; ' +
        'the cache and the clients reach it only through the tracers they are given.',
      from: { path: '^src/tracing/', pathNot: TEST_CODE },
      to: { path: '^src/', pathNot: '^src/(tracing/|config/config\\.types\\.ts$|metrics/)' },
    },
    {
      name: 'building-blocks-not-to-source-wiring',
      severity: 'error',
      comment:
        'Layer 3 never imports layer 4 (the registry, the upstream-http factory). Added when the kinds became self-describing: ' +
        'src/openapi/ lists them in enums and prose, and is handed them (kindDescriptions()) by the controller and the entry ' +
        'point instead of importing the registry, like the config loader is handed ADAPTER_KINDS.',
      from: {
        path: '^src/(sources/shared/|sources/(?!shared/)[^/]+/|resilience/|cache/|common/|openapi/|metrics/|auth/|logging/|logger\\.ts$|tokens\\.ts$)',
        pathNot: TEST_CODE,
      },
      to: { path: '^src/sources/(source-registry|upstream-http\\.factory)\\.ts$' },
    },
    {
      name: 'building-blocks-not-to-application',
      severity: 'error',
      comment: 'Layers 1-4 never import the application (src/api/, src/health/) or an entry point.',
      from: { path: '^src/', pathNot: [...TEST_CODE, '^src/(api|health)/', ENTRY_POINTS] },
      to: { path: ['^src/(api|health)/', ENTRY_POINTS] },
    },
    {
      name: 'application-not-to-entry-points',
      severity: 'error',
      comment: 'src/api/ and src/health/ are wired by the composition root; they never import it.',
      from: { path: '^src/(api|health)/', pathNot: TEST_CODE },
      to: { path: ENTRY_POINTS },
    },
    {
      name: 'controllers-only-in-application',
      severity: 'error',
      comment: 'Nest controllers live in src/api/, src/health/ and src/metrics/; only the composition root imports them.',
      from: { pathNot: [...TEST_CODE, '^src/app\\.module\\.ts$'] },
      to: { path: '\\.controller\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    cache: false,
  },
};
