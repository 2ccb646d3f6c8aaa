/**
 * Declares a node's parameters with rclnodejs from a parameter schema (type, default, range,
 * description, read-only), the planner node's and the simulator node's alike, and returns the
 * values the node was started with (overrides from --ros-args / params files applied).
 */
import { describeSpec, type ParamSpec } from '../node/parameters.js';
import type { RclModule, RclNode } from './rcl-types.js';

/** Declares every parameter of `specs` on `node`; returns the declared values (numbers, not bigints; arrays, not typed arrays). */
export function declareParameters(
  rcl: RclModule,
  node: RclNode,
  specs: Readonly<Record<string, ParamSpec>>,
  defaults: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const T = rcl.ParameterType;
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const d = defaults[name];
    let type: number;
    let value: unknown;
    let range: object | undefined;
    switch (spec.type) {
      case 'string':
        type = T['PARAMETER_STRING'] as number;
        value = d;
        break;
      case 'bool':
        type = T['PARAMETER_BOOL'] as number;
        value = d;
        break;
      case 'integer':
        type = T['PARAMETER_INTEGER'] as number;
        value = BigInt(d as number);
        if (spec.min !== undefined && spec.max !== undefined) range = new rcl.IntegerRange(BigInt(spec.min), BigInt(spec.max), 1n);
        break;
      case 'double':
        type = T['PARAMETER_DOUBLE'] as number;
        value = d;
        if (spec.min !== undefined && spec.max !== undefined) range = new rcl.FloatingPointRange(spec.min, spec.max, 0);
        break;
      case 'double_array':
        type = T['PARAMETER_DOUBLE_ARRAY'] as number;
        value = [...(d as number[])];
        break;
    }
    const descriptor = new rcl.ParameterDescriptor(name, type, describeSpec(spec), spec.readOnly ?? false, range);
    const declared = node.declareParameter(new rcl.Parameter(name, type, value), descriptor);
    values[name] = normaliseValue(declared.value);
  }
  return values;
}

/** A parameter value as rclnodejs hands it → plain JSON-like values. */
export function normaliseValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}
