// PLACEHOLDER — being written by the Kubernetes rollout helper (replace whole file).
import type {
  DeployColourInput,
  DeployColourResult,
  ReadColoursInput,
  ReadColoursResult,
  ScaleColourInput,
  ScaleColourResult,
  WaitColourReadyInput,
  WaitColourReadyResult,
} from '../../core/rollout/types';
import type { RolloutDeps } from './deps';
const todo = (): never => {
  throw new Error('not written yet');
};
export async function readColours(_d: RolloutDeps, _i: ReadColoursInput): Promise<ReadColoursResult> {
  return todo();
}
export async function deployColour(_d: RolloutDeps, _i: DeployColourInput): Promise<DeployColourResult> {
  return todo();
}
export async function waitColourReady(_d: RolloutDeps, _i: WaitColourReadyInput): Promise<WaitColourReadyResult> {
  return todo();
}
export async function scaleColour(_d: RolloutDeps, _i: ScaleColourInput): Promise<ScaleColourResult> {
  return todo();
}
