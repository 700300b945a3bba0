#!/usr/bin/env node
import { ExitCode } from './exit-codes.js';
import { readlinePrompt } from './init/prompts.js';
import { runCli } from './program.js';

// The first SIGINT or SIGTERM asks the command to stop (a run finishes its batch); a second one exits at once.
let signals = 0;
const stopSignal = new Promise<void>((resolve) => {
  const onSignal = () => {
    signals++;
    if (signals === 1) return resolve();
    process.stderr.write(
      "\nstopped at once; creates under way are settled on the next run (they are looked up, never made twice), once this run's leases lapse (engine.leaseMs)\n",
    );
    process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
});

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  isTty: process.stderr.isTTY === true,
  stopSignal,
  prompt: readlinePrompt(),
});
process.exit(code);
