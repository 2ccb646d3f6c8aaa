#!/usr/bin/env node
/**
 * `jepa-mpc <command> [options]`: the command-line entry point. Each command lives in its own
 * module, loaded only when asked for, so that e.g. `sim-eval` never loads onnxruntime-node.
 */
import { userErrorMessage } from './cli-error.js';
import { COMMANDS } from './commands.js';

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: jepa-mpc <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n` + `Run 'jepa-mpc <command> --help' for a command's options.`;
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`jepa-mpc: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  return module.main(rest);
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = userErrorMessage(error);
    if (message !== undefined) {
      console.error(`jepa-mpc: ${message}`);
      process.exitCode = 2;
    } else {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    }
  },
);
