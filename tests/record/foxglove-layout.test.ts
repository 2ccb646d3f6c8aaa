/**
 * docs/foxglove-layout.json shows what recordings hold: every topic a panel names is a recording's
 * channel (the nodes' topic names, so a bag of the running nodes fits it too), and every field a
 * plot or state panel reads exists in that channel's message definition.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from '@foxglove/rosmsg';
import { projectRoot } from '../../src/paths.js';
import { CHANNELS } from '../../src/record/channels.js';
import { schemaText } from '../../src/record/msg-definitions.js';

interface Layout {
  readonly configById: Record<
    string,
    { imageMode?: { imageTopic: string }; topics?: Record<string, unknown>; topicPath?: string; paths?: { value: string }[] }
  >;
  readonly layout: unknown;
}

const layout = JSON.parse(readFileSync(join(projectRoot(), 'docs', 'foxglove-layout.json'), 'utf8')) as Layout;
const byTopic = new Map<string, string>(Object.values(CHANNELS).map((c) => [c.topic, c.type]));

/** Whether `fields` (a.b.c) name a field chain of `type`. */
function hasField(type: string, fields: string[]): boolean {
  const defs = parse(schemaText(type), { ros2: true });
  let def = defs[0];
  for (const name of fields) {
    const f = def?.definitions.find((d) => d.name === name && d.isConstant !== true);
    if (!f) return false;
    def = f.isComplex ? defs.find((d) => d.name === f.type) : undefined;
  }
  return true;
}

describe('the Foxglove layout', () => {
  const panels = Object.entries(layout.configById);

  it('places every panel it configures', () => {
    const placed = JSON.stringify(layout.layout);
    for (const [id] of panels) expect(placed, id).toContain(`"${id}"`);
  });

  it.each(panels)('%s reads topics and fields recordings hold', (_id, config) => {
    const topics = [config.imageMode?.imageTopic, config.topicPath, ...Object.keys(config.topics ?? {})].filter((t): t is string => t !== undefined);
    for (const topic of topics) expect(byTopic.has(topic), topic).toBe(true);
    for (const { value } of config.paths ?? []) {
      const [topic, ...fields] = value.split('.');
      expect(byTopic.has(topic ?? ''), value).toBe(true);
      expect(hasField(byTopic.get(topic ?? '') as string, fields), value).toBe(true);
    }
  });
});
