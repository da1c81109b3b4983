import type { AlertDeps } from './alerts';
import { createAlertActivities } from './alerts';
import type { ApprovalPolicyDeps } from './access/approval-policy';
import { createApprovalPolicyActivities } from './access/approval-policy';
import type { IdentityDeps } from './access/identity';
import { createIdentityActivities } from './access/identity';
import { createArtifactActivities } from './delivery/resolve-artifact';
import { createPromotionActivities } from './delivery/promotion-evidence';
import type { AuditDeps } from './audit/record-audit';
import { createAuditActivities } from './audit/record-audit';
import type { CloudFormationDeps } from './iac/cloudformation';
import { createCloudFormationActivities } from './iac/cloudformation';
import { createDriftActivities } from './iac/drift';
import { createVerifyActivities } from './iac/verify';
import type { ValidateDeps } from './iac/validate-templates';
import { createValidateActivities } from './iac/validate-templates';
import type { K8sDeps } from './k8s';
import type { ExportPodLogInput } from './k8s/export-log';
import { exportPodLog } from './k8s/export-log';
import { createK8sActivities } from './k8s';
import type { LlmDeps } from './llm';
import { createLlmActivities } from './llm';
import type { RolloutDeps } from './rollout';
import { createRolloutActivities } from './rollout';
import type { CostChartDeps } from './cost/cost-chart';
import { createCostChartActivities } from './cost/cost-chart';
import { createCostActivities } from './cost/cost-report';
import { createAllocationActivities } from './cost/allocation';
import { createIdleActivities } from './cost/idle';
import { createReapActivities } from './cost/reap';
import type { SecurityDeps } from './security';
import { createSecurityActivities } from './security';
import { createRescanActivities } from './security/rescan';
import { createWaiverActivities } from './security/waivers';
import type { NotifyDeps } from './notify/notify-operation';
import { createNotifyActivities } from './notify/notify-operation';

/** Everything activities need from the outside world, built by the worker's composition root. */
export interface ActivityDeps extends IdentityDeps, ApprovalPolicyDeps, AuditDeps, CloudFormationDeps, LlmDeps {
  readonly validate: ValidateDeps;
  /** Slack (or nothing): where operations report progress. */
  readonly notify: NotifyDeps;
  /** The Kubernetes agent; absent when the worker has no kubeconfig (its activities then say so). */
  readonly k8s?: K8sDeps;
  /** Blue/green rollouts; absent when no environment names a cluster (its activities then say so). */
  readonly rollout?: RolloutDeps;
  /** Trivy scans and the rollout's security gate; absent when the config has no `security` section. */
  readonly security?: SecurityDeps;
  /** On-call alerts of scheduled checks: state store, Slack, audit; absent: the alert activities say so. */
  readonly alerts?: AlertDeps;
  /** Cost report charts (vega-lite rendered to PNG in a worker thread). */
  readonly cost: CostChartDeps;
  /** Where full pod logs asked for in the terminal are written (mode 0700). */
  readonly logExportDir: string;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createIdentityActivities(deps),
    ...createApprovalPolicyActivities(deps),
    ...createAuditActivities(deps),
    ...createCloudFormationActivities(deps),
    ...createDriftActivities(deps),
    ...createVerifyActivities(deps),
    ...createValidateActivities(deps.validate),
    ...createNotifyActivities(deps.notify),
    ...createLlmActivities(deps),
    ...createK8sActivities(deps.k8s),
    ...createRolloutActivities(deps.rollout, deps.security),
    ...createArtifactActivities({ environments: deps.policyConfig.environments }),
    ...createPromotionActivities({
      ...(deps.rollout ? { rollout: deps.rollout } : {}),
      audit: deps.audit,
      policyConfig: deps.policyConfig,
    }),
    ...createSecurityActivities(deps.security),
    ...createRescanActivities(deps.security),
    ...createWaiverActivities(
      deps.security?.waivers
        ? { security: deps.security, store: deps.security.waivers, audit: deps.audit, policyConfig: deps.policyConfig }
        : undefined,
    ),
    ...createAlertActivities(deps.alerts),
    ...createCostActivities(deps),
    ...createCostChartActivities(deps.cost),
    ...createAllocationActivities(deps.cost),
    ...createReapActivities({ aws: deps.aws }),
    ...createIdleActivities({ aws: deps.aws, ...(deps.k8s ? { k8s: deps.k8s } : {}) }),
    exportPodLog: (input: ExportPodLogInput) =>
      exportPodLog(
        { ...(deps.k8s ? { k8s: deps.k8s } : {}), notifier: deps.notify.notifier, dir: deps.logExportDir },
        input,
      ),
  };
}

/** The activity interface workflows proxy (as a type only). */
export type Activities = ReturnType<typeof createActivities>;
