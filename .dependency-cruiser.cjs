/** The layer rules of monitor, checked by `npm test` (test/unit/layers.test.ts):
 *   commands → cli → services (trace, doctor, proc, pprof, bench, export) → engine
 * with output (formatting) usable by all but the engine, tui (Ink views) reached only from cli,
 * and the .node addon loaded only by src/engine/native.ts. */
const SERVICES = '^src/(trace|doctor|proc|pprof|bench|export)/'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {name: 'no-cycles', severity: 'error', comment: 'Import cycles make load order and layering ambiguous.', from: {path: '^src/'}, to: {circular: true}},
    {
      name: 'commands-are-thin',
      severity: 'error',
      comment: 'A command parses flags and calls into cli or a service; it never touches the engine or the views.',
      from: {path: '^src/commands/'},
      to: {path: '^src/(engine|tui)/'},
    },
    {
      name: 'cli-not-engine',
      severity: 'error',
      comment: 'The session runner drives services; only services talk to the engine.',
      from: {path: '^src/cli/'},
      to: {path: '^src/engine/', dependencyTypesNot: ['type-only']},
    },
    {
      name: 'services-not-up',
      severity: 'error',
      comment: 'Services know nothing of commands, the session runner or the screen.',
      from: {path: SERVICES},
      to: {path: '^src/(commands|cli|tui)/'},
    },
    {
      name: 'tui-renders-only',
      severity: 'error',
      comment: 'Views render what they are handed: no engine, no services, no session code.',
      from: {path: '^src/tui/'},
      to: {path: '^src/', pathNot: '^src/(tui|output)/|^src/errors\\.ts$'},
    },
    {
      name: 'output-is-formatting',
      severity: 'error',
      comment: 'Formatting is pure: it may read the types of what it formats, nothing more.',
      from: {path: '^src/output/'},
      to: {path: '^src/', pathNot: '^src/output/|^src/errors\\.ts$', dependencyTypesNot: ['type-only']},
    },
    {
      name: 'engine-is-the-bottom',
      severity: 'error',
      comment: 'The engine depends on nothing of the project but its errors.',
      from: {path: '^src/engine/'},
      to: {path: '^src/', pathNot: '^src/engine/|^src/errors\\.ts$'},
    },
    {
      name: 'only-native-loads-the-addon',
      severity: 'error',
      comment: 'src/engine/native.ts is the one module that loads the .node file (through node:module).',
      from: {path: '^src/', pathNot: '^src/engine/native\\.ts$'},
      to: {path: '^(node:)?module$|\\.node$'},
    },
  ],
  options: {
    doNotFollow: {path: 'node_modules'},
    exclude: {path: '^(dist|build|node_modules)/'},
    tsConfig: {fileName: 'tsconfig.json'},
    tsPreCompilationDeps: true,
  },
}
