#!/usr/bin/env node
import { readlinePrompt } from './init/prompts.js';
import { runCli } from './program.js';

const stopSignal = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
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
