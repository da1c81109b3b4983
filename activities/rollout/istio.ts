// PLACEHOLDER — being written by the Kubernetes rollout helper (replace whole file).
import type { ReadTrafficResult, ServiceTarget, SetTrafficInput, SetTrafficResult } from '../../core/rollout/types';
import type { RolloutDeps } from './deps';
const todo = (): never => {
  throw new Error('not written yet');
};
export async function readIstioTraffic(_d: RolloutDeps, _t: ServiceTarget): Promise<ReadTrafficResult> {
  return todo();
}
export async function setIstioTraffic(_d: RolloutDeps, _i: SetTrafficInput): Promise<SetTrafficResult> {
  return todo();
}
