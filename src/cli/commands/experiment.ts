// `xnorkit experiment`: the user's whole workflow in one command (see
// src/experiment/run.ts); writes runs/NAME/{report.html, report.md,
// results.json, config.json, *.xnks}. Ctrl-C stops after the current step
// and still writes the report of what finished; a second Ctrl-C quits at once.
import { Command } from 'commander';
import { positiveInt, nonNegativeInt, choice } from '../options.js';
import { DATASET_NAMES } from '../../data/loadDataset.js';
import { presets as modelPresets } from '../../nn/models/index.js';
import { PRESETS, resolveConfig, readConfigFile, type ExperimentOverrides } from '../../experiment/config.js';
import { startExperiment } from '../../experiment/worker.js';
import { join } from 'node:path';
import { SCHEDULE_NAMES } from '../../optim/schedules.js';
import { onInterrupt } from '../interrupt.js';
import { acquireRunFolder } from '../../util/runFolder.js';
import { removeStaleTempFiles } from '../../util/nodeFiles.js';
import { addQueueOptions, experimentQueue, type ClusterCliOptions } from './cluster.js';

interface CliOptions extends ClusterCliOptions {
  dataset?: string;
  model?: string;
  preset?: string;
  epochs?: number;
  lrSchedule?: string;
  seed?: number;
  out?: string;
  config?: string;
  bits?: number;
  dataDir?: string;
  threads?: number;
  hardware: boolean;
  json: boolean;
  quiet: boolean;
}

export function experimentCommand(): Command {
  return addQueueOptions(new Command('experiment'))
    .description('the whole workflow: data, float baseline, quantized model, comparison (accuracy, size, speed), ' +
      'hardware noise / process variation / saturation sweeps; writes a report with charts')
    .option('--preset <name>', `quick (MNIST subset, ~5 min) | larq (Larq tutorial: 6 epochs, batch 64, Adam 1e-3, full MNIST; cosine decay unless --lr-schedule constant) | full (more chips and levels); default quick`,
      choice(...PRESETS))
    .option('--dataset <name>', DATASET_NAMES.join(' | '))
    .option('--model <name>', Object.keys(modelPresets).join(' | '))
    .option('--epochs <n>', 'training epochs of every model', positiveInt)
    .option('--lr-schedule <name>', 'cosine (decay to 0 over the run; default) | constant (the Larq tutorial\'s)', choice(...SCHEDULE_NAMES))
    .option('--seed <n>', 'seed of initialisation, shuffling and dropout', nonNegativeInt)
    .option('--bits <k>', 'DoReFa k-bit weights and activations instead of binary', positiveInt)
    .option('--out <dir>', 'run folder (default runs/<preset>-<model>-<dataset>-seed<S>)')
    .option('--config <file>', 'settings from a JSON file; a run\'s config.json repeats that run (options given here still apply)')
    .option('--data-dir <dir>', 'directory holding the dataset files')
    .option('--threads <n>', 'threads for the kernels (default: all cores)', positiveInt)
    .option('--no-hardware', 'skip the hardware section')
    .option('--json', 'print results.json to stdout at the end', false)
    .option('--quiet', 'no progress output', false)
    .addHelpText('after', `
Examples:
  xnorkit experiment                                  # quick preset on MNIST (what \`npm start\` runs)
  xnorkit experiment --preset larq --seed 1           # the Larq tutorial schedule on full MNIST
  xnorkit experiment --bits 4 --out runs/dorefa4      # 4-bit QAT instead of binary
  xnorkit experiment --config runs/quick-larq-mnist-mnist-seed1/config.json   # repeat a run exactly
Every setting of a preset can be changed in a config file: write the run's config.json, edit, pass --config.`)
    .action(async (opts: CliOptions) => {
      await runExperimentCommand(opts);
    });
}

export async function runExperimentCommand(opts: CliOptions): Promise<void> {
  const overrides: ExperimentOverrides = {
    preset: opts.preset, dataset: opts.dataset, dataDir: opts.dataDir, model: opts.model, epochs: opts.epochs, lrSchedule: opts.lrSchedule, seed: opts.seed, bits: opts.bits,
    out: opts.out, threads: opts.threads, noHardware: opts.hardware === false,
  };
  const config = resolveConfig(overrides, opts.config ? readConfigFile(opts.config) : undefined);
  const log = (s: string) => { if (!opts.quiet) process.stderr.write(s + '\n'); };
  log(`xnorkit experiment: ${config.preset} preset, ${config.model} on ${config.dataset}, seed ${config.seed} -> ${config.out}`);
  const folder = acquireRunFolder(config.out, 'experiment');
  if (folder.previous) log(`an earlier run's files were moved to ${folder.previous}`);
  const run = startExperiment(config, { quiet: opts.quiet, queue: experimentQueue(opts) });
  const release = onInterrupt(
    () => {
      log('\ninterrupt: stopping after the current step, then writing the report of what finished (Ctrl-C again to quit at once)');
      run.stop();
    },
    // The worker may be inside an atomic write: its temporary file must not stay behind.
    () => removeStaleTempFiles(config.out, process.pid),
  );
  try {
    const results = await run.done;
    log(`report: ${join(config.out, 'report.html')} (${results.status})`);
    if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    if (results.status === 'interrupted') process.exitCode = 130;
  } finally {
    release();
    folder.release();
  }
}
