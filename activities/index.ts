import type { IdentityDeps } from './access/identity';
import { createIdentityActivities } from './access/identity';

/** Everything activities need from the outside world, built by the worker's composition root. */
export type ActivityDeps = IdentityDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createIdentityActivities(deps),
  };
}

/** The activity interface workflows proxy (as a type only). */
export type Activities = ReturnType<typeof createActivities>;
