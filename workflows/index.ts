export { whoamiWorkflow } from './whoami';
export { deployStackWorkflow } from './deploy-stack';
export { deleteStackWorkflow } from './delete-stack';
export { remediateStackWorkflow } from './remediate-stack';
export { remediateServiceWorkflow } from './remediate-service';
export { describeStackWorkflow, kubernetesReadWorkflow, validateTemplatesWorkflow } from './read-only';
export { interpretRequestWorkflow } from './interpret';
export { diagnoseWorkflow } from './diagnose';
export { blueGreenRolloutWorkflow } from './rollout';
export { rollbackWorkflow } from './rollback';
export { promoteWorkflow } from './promote';
export { helmReleaseWorkflow } from './helm-release';
export { environmentDriftWorkflow, stackDriftWorkflow } from './drift';
export { kubernetesDriftWorkflow } from './drift-k8s';
export { listWaiversWorkflow, scanConfigWorkflow, scanImageWorkflow, unwaiveWorkflow, waiveWorkflow } from './security';
export { alertDecisionWorkflow, listAlertsWorkflow, scheduledDriftWorkflow } from './alerts';
export {
  costAllocationWorkflow,
  costReportWorkflow,
  idleResourcesWorkflow,
  scheduledCostCheckWorkflow,
  scheduledCostReportWorkflow,
} from './cost';
export { scheduledRescanWorkflow } from './rescan';
export { reapWorkflow } from './reap';
export { scheduledReapWorkflow } from './reap-schedule';
export { changeFreezesWorkflow } from './freezes';
export { verifyServiceWorkflow, verifyStackWorkflow } from './verify';
