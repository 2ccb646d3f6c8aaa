/**
 * `jepa-mpc params`: the planner node's parameters from the one schema — a table (name, type,
 * default, description) or, with --yaml, the ROS 2 parameters file (config/planner.yaml is this).
 */
import { parseArgs } from 'node:util';
import { PARAMETERS, defaultParameters, describeParameter, parametersYaml, type ParamName } from '../node/parameters.js';
import { formatTable } from './table.js';

/** Entry point of `jepa-mpc params`. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { yaml: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    console.log('usage: jepa-mpc params [--yaml]\n\nLists the planner node parameters; --yaml prints a --params-file with every default.');
    return 0;
  }
  if (values.yaml) {
    process.stdout.write(parametersYaml());
    return 0;
  }
  const defaults = defaultParameters();
  const names = Object.keys(PARAMETERS) as ParamName[];
  console.log(
    formatTable(
      ['name', 'type', 'default', 'description'],
      names.map((n) => [n, PARAMETERS[n].type, JSON.stringify(defaults[n]), describeParameter(n)]),
    ),
  );
  return 0;
}
