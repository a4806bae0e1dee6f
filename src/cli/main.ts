#!/usr/bin/env node
// The `xnorkit` command.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { trainCommand } from './commands/train.js';
import { summaryCommand } from './commands/summary.js';
import { robustnessCommand } from './commands/robustness.js';
import { exportCommand } from './commands/export.js';
import { predictCommand } from './commands/predict.js';
import { experimentCommand } from './commands/experiment.js';
import { evalCommand } from './commands/eval.js';
import { benchCommand } from './commands/bench.js';
import { workerCommand, mergeCommand } from './commands/cluster.js';
import { reportAndExit } from './errors.js';
import { presets } from '../nn/models/index.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('xnorkit')
    .description('binarized and low-bit neural networks: training, XNOR kernels, hardware non-idealities')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addCommand(trainCommand());
  program.addCommand(summaryCommand());
  program.addCommand(robustnessCommand());
  program.addCommand(exportCommand());
  program.addCommand(predictCommand());
  program.addCommand(experimentCommand());
  program.addCommand(evalCommand());
  program.addCommand(benchCommand());
  program.addCommand(workerCommand());
  program.addCommand(mergeCommand());
  program.command('models')
    .description('list the model presets')
    .action(() => {
      for (const [name, p] of Object.entries(presets)) process.stdout.write(`${name.padEnd(20)} ${p.description}\n`);
    });
  for (const c of program.commands) c.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  reportAndExit(e);
}
