import type { LlmDeps } from './converse';
import { createConverseActivities } from './converse';
import type { ReadToolDeps } from './read-tools';
import { createReadToolActivities } from './read-tools';

export type { LlmDeps } from './converse';

/** Activities of the language front door: the model call and the audit-trail reads diagnosis uses. */
export function createLlmActivities(deps: LlmDeps & ReadToolDeps) {
  return { ...createConverseActivities(deps), ...createReadToolActivities(deps) };
}
