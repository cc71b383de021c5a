/**
 * The layering of src/, checked by dependency-cruiser inside `npm test`
 * (script "depcruise"). Lowest layer first:
 *
 *   core        src/core/ and the top-level helpers src/{atomic,paths,backend,wasm-kernels,webgpu}.ts
 *   data/models src/data/, src/models/
 *   distill     src/distill/
 *   train       src/train/
 *   experiment  src/experiment/ (may use everything below, and viz/ to show results)
 *   analysis    src/analysis/   (pure statistics: core only)
 *   viz         src/viz/        (plain data in, charts and tables out: core and analysis only)
 *   notebooks   notebooks/*.ipynb (import from src/, never imported by it)
 *
 * A module may import its own layer and the layers below it; every rule below
 * names the layers a layer may use and forbids any other module of the project
 * (type-only imports included: a type from a higher layer ties the layers
 * together as much as a value does). Imports of packages and Node built-ins
 * are not checked here.
 *
 * `npm run layers` (part of `npm test`) fails on any violation; there are no
 * exceptions.
 *
 * test/layers.test.ts runs this configuration on a fixture tree that breaks
 * it, so the check provably fails, and on src/, which must pass.
 */
const CORE = ["^src/core/", "^src/(atomic|paths|backend|wasm-kernels|webgpu)[.]ts$"];
const DATA_MODELS = ["^src/data/", "^src/models/"];
const DISTILL = ["^src/distill/"];
const TRAIN = ["^src/train/"];
const ANALYSIS = ["^src/analysis/"];
const VIZ = ["^src/viz/"];

/** The modules of the project (resolved paths), as opposed to packages and built-ins. */
const PROJECT = "^(src|test|scripts|notebooks)/";

/** A rule: modules matching `from` may import, of the project's modules, only `allowed`. */
const onlyImports = (name, from, allowed, comment) => ({
  name,
  comment,
  severity: "error",
  from: { path: from },
  to: { path: PROJECT, pathNot: allowed },
});

module.exports = {
  forbidden: [
    onlyImports(
      "core-imports-only-core",
      CORE,
      CORE,
      "src/core/ and the top-level helpers are the bottom layer: everything else builds on them, so they import nothing else of the project.",
    ),
    onlyImports(
      "data-models-import-only-core-data-models",
      DATA_MODELS,
      [...CORE, ...DATA_MODELS],
      "Data sets and models know nothing of distillation, training or experiments: they may import only core, data/ and models/.",
    ),
    onlyImports(
      "distill-imports-below-train",
      DISTILL,
      [...CORE, ...DATA_MODELS, ...DISTILL],
      "Distillation losses, teachers and schedules sit under the trainer: they may import core, data/, models/ and distill/, never train/, experiment/, analysis/ or viz/.",
    ),
    onlyImports(
      "train-imports-below-experiment",
      TRAIN,
      [...CORE, ...DATA_MODELS, ...DISTILL, ...TRAIN],
      "The trainer and checkpoints are a library for experiments: they may import core, data/, models/, distill/ and train/, never experiment/, analysis/ or viz/.",
    ),
    onlyImports(
      "analysis-imports-only-core",
      ANALYSIS,
      [...CORE, ...ANALYSIS],
      "src/analysis/ is pure statistics on plain numbers: it may import only core (and itself), so any layer and any notebook can use it.",
    ),
    onlyImports(
      "viz-imports-only-core-analysis",
      VIZ,
      [...CORE, ...ANALYSIS, ...VIZ],
      "src/viz/ turns plain data into charts and tables: it may import core and analysis, never experiment/ or train/ (a helper that composes experiment functions belongs in experiment/).",
    ),
    {
      name: "src-not-to-notebooks-tests-scripts",
      comment: "Notebooks, tests and scripts are the top: they import src/, src/ never imports them.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|scripts|notebooks)/" },
    },
    {
      name: "no-circular",
      comment: "An import cycle makes load order matter (a module sees another half-initialised) and makes the layers meaningless: break it by moving the shared piece to one side.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules" },
    // Count `import type` too: TypeScript erases it, but it still ties the layers together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".json"] },
    cache: false,
  },
};
