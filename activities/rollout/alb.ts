// PLACEHOLDER — being written by the AWS rollout helper (replace whole file).
import type {
  ReadTrafficResult,
  ServiceTarget,
  SetTrafficInput,
  SetTrafficResult,
  TrafficSpec,
} from '../../core/rollout/types';
import type { RolloutDeps } from './deps';
type Alb = Extract<TrafficSpec, { kind: 'alb' }>;
const todo = (): never => {
  throw new Error('not written yet');
};
export async function readAlbTraffic(_d: RolloutDeps, _t: ServiceTarget, _s: Alb): Promise<ReadTrafficResult> {
  return todo();
}
export async function setAlbTraffic(_d: RolloutDeps, _i: SetTrafficInput, _s: Alb): Promise<SetTrafficResult> {
  return todo();
}
