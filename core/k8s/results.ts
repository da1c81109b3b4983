/** A table for chat: a header and rows of short strings. */
export interface K8sTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Rows not shown (the table is capped for chat). */
  readonly omittedRows: number;
}

/** Long text cut for chat, with how long the whole was. */
export interface TruncatedText {
  readonly text: string;
  readonly truncated: boolean;
  readonly totalChars: number;
  readonly totalLines: number;
}

/** What a Kubernetes read (`k8sRead`) returns, by request kind. JSON-safe. */
export type K8sReadResult =
  | { readonly kind: 'get'; readonly resource: string; readonly table: K8sTable }
  | { readonly kind: 'events'; readonly table: K8sTable }
  | ({ readonly kind: 'describe' } & TruncatedText)
  | ({ readonly kind: 'logs'; readonly pod: string; readonly tailLines: number } & TruncatedText)
  | {
      readonly kind: 'rollout-status';
      /** True when every workload asked about has finished rolling out. */
      readonly done: boolean;
      /** One line: the workload's state as `kubectl rollout status` words it, or a summary of the table. */
      readonly message: string;
      /** With a selector: one row per Deployment (DEPLOYMENT, READY, UP-TO-DATE, DONE, MESSAGE). */
      readonly table?: K8sTable;
    };

/** One field that differs between the release and the chart. Values are JSON text, cut to a chat-sized length. */
export interface FieldChange {
  readonly path: string;
  readonly before?: string;
  readonly after?: string;
}

/** One resource of a Helm diff (`Kind/namespace/name`). */
export interface ResourceDiff {
  readonly resource: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly fields: readonly FieldChange[];
  /** Changed fields beyond the ones named in `fields` (absent when all are named). */
  readonly omittedFields?: number;
}

/** A chart hook that would run (`helm.sh/hook`), e.g. `Job/ns/migrate` on `pre-upgrade`: not a release object. */
export interface HelmHook {
  readonly resource: string;
  readonly events: readonly string[];
}

/** What a helm read returns. */
export type HelmReadResult =
  | { readonly kind: 'helm-history'; readonly release: string; readonly table: K8sTable }
  | {
      readonly kind: 'helm-diff';
      readonly release: string;
      /** The revision compared against. */
      readonly revision: number;
      readonly changes: readonly ResourceDiff[];
      readonly unchanged: number;
      /** Hooks the chart would run (absent when none); `test` hooks are never listed. */
      readonly hooks?: readonly HelmHook[];
    };

/** What a rollback would change: the latest revision's objects vs those of the revision rolled back to. */
export interface HelmRollbackDiff {
  readonly release: string;
  /** The latest revision (what the approval is bound to), its status and description. */
  readonly revision: number;
  readonly status: string;
  readonly description: string;
  /** The revision whose content the rollback brings back. */
  readonly toRevision: number;
  readonly changes: readonly ResourceDiff[];
  readonly unchanged: number;
}

/** The outcome of an install, upgrade or rollback. */
export interface HelmWriteResult {
  readonly kind: 'helm-install' | 'helm-upgrade' | 'helm-rollback';
  readonly release: string;
  readonly namespace: string;
  readonly revision: number;
  readonly status: string;
  /** True when a previous attempt had already done it: this attempt changed nothing. */
  readonly alreadyApplied: boolean;
}
