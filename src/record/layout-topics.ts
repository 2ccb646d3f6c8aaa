/**
 * The topics a Foxglove layout's panels read (docs/foxglove-layout.json): image panels' image
 * topic, state-transition and 3D panels' topics, plot and state paths (`/topic.field.field`).
 * `inspect --layout` checks a recording against them.
 */

/** A layout's panel configurations, as far as topics go. */
export interface LayoutPanels {
  readonly configById: Record<
    string,
    { imageMode?: { imageTopic?: string }; topics?: Record<string, unknown>; topicPath?: string; paths?: { value: string }[] }
  >;
}

/** The topic of a message path `/topic.field.field` (a topic name has no dots). */
export function pathTopic(path: string): string {
  return path.split('.')[0] ?? path;
}

/** Every topic the layout's panels read, sorted, each once. */
export function layoutTopics(layout: LayoutPanels): string[] {
  const topics = new Set<string>();
  for (const config of Object.values(layout.configById ?? {})) {
    if (config.imageMode?.imageTopic) topics.add(config.imageMode.imageTopic);
    if (config.topicPath) topics.add(pathTopic(config.topicPath));
    for (const topic of Object.keys(config.topics ?? {})) topics.add(topic);
    for (const { value } of config.paths ?? []) topics.add(pathTopic(value));
  }
  return [...topics].filter((t) => t.startsWith('/')).sort();
}
