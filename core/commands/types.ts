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
  | { readonly name: 'help'; readonly command?: string };
