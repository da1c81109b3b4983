import type { EnvironmentName } from '../environments';

/** A parsed, validated request. Front ends and the language model both produce exactly these. */
export type Command =
  | { readonly name: 'deploy-stack'; readonly stack: string; readonly env: EnvironmentName }
  | { readonly name: 'delete-stack'; readonly stack: string; readonly env: EnvironmentName }
  | { readonly name: 'stack-status'; readonly stack: string; readonly env: EnvironmentName }
  | { readonly name: 'validate'; readonly path: string }
  | { readonly name: 'approve'; readonly op: string }
  | { readonly name: 'reject'; readonly op: string; readonly reason: string }
  | { readonly name: 'operation-status'; readonly op: string }
  | { readonly name: 'list' }
  | { readonly name: 'cancel'; readonly op: string }
  | { readonly name: 'audit'; readonly n: number }
  | { readonly name: 'whoami'; readonly env: EnvironmentName }
  | { readonly name: 'help'; readonly command?: string }
  | { readonly name: 'service-pods'; readonly service: string; readonly env: EnvironmentName }
  | { readonly name: 'service-events'; readonly service: string; readonly env: EnvironmentName }
  | { readonly name: 'service-deployments'; readonly service: string; readonly env: EnvironmentName }
  | { readonly name: 'pod-logs'; readonly pod: string; readonly service: string; readonly env: EnvironmentName }
  | { readonly name: 'rollout-status'; readonly service: string; readonly env: EnvironmentName }
  | {
      readonly name: 'describe';
      /** `pod/<name>`, `deployment/<name>` or `service/<name>`, an object of the service. */
      readonly object: string;
      readonly service: string;
      readonly env: EnvironmentName;
    }
  | { readonly name: 'helm-history' | 'helm-diff'; readonly release: string; readonly env: EnvironmentName }
  | { readonly name: 'rollout'; readonly service: string; readonly version: string; readonly env: EnvironmentName }
  | { readonly name: 'rollback'; readonly service: string; readonly env: EnvironmentName }
  | { readonly name: 'helm-install' | 'helm-upgrade'; readonly release: string; readonly env: EnvironmentName }
  | {
      readonly name: 'helm-rollback';
      readonly release: string;
      readonly revision: number;
      readonly env: EnvironmentName;
    }
  | { readonly name: 'rollout-pause'; readonly op: string }
  | { readonly name: 'rollout-resume'; readonly op: string }
  | { readonly name: 'rollout-abort'; readonly op: string };

/** The Kubernetes reads: each runs one Kubernetes or helm read in the namespace of a catalog service or release. */
export type KubeReadCommand = Extract<
  Command,
  {
    name:
      | 'service-pods'
      | 'service-events'
      | 'service-deployments'
      | 'pod-logs'
      | 'rollout-status'
      | 'describe'
      | 'helm-history'
      | 'helm-diff';
  }
>;
