/** An error in how a command was called (bad flag, bad value): printed without a stack, exit 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
