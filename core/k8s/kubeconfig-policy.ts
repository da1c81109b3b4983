import { PermissionDenied } from '../errors';

/** The parts of a kubeconfig the policy looks at (as parsed from YAML; everything optional because files vary). */
export interface KubeconfigView {
  readonly contexts?: readonly {
    readonly name?: string;
    readonly context?: { readonly user?: string; readonly cluster?: string };
  }[];
  readonly users?: readonly { readonly name?: string; readonly user?: Readonly<Record<string, unknown>> }[];
}

/**
 * Refuses a kubeconfig whose user for `context` runs a program to get credentials (`exec` plugins, legacy
 * `auth-provider`): kubectl and helm would run it on the worker. Also refuses a context that is not there, so a
 * typo in the environment config fails here with a clear message instead of inside kubectl.
 */
export function checkKubeconfig(config: KubeconfigView, context: string, file: string): void {
  const ctx = config.contexts?.find((c) => c.name === context);
  if (!ctx?.context) {
    throw new PermissionDenied(
      `kubeconfig ${file} has no context '${context}'; fix environments.<env>.cluster.kubeContext`,
    );
  }
  const userName = ctx.context.user;
  const user = config.users?.find((u) => u.name === userName)?.user ?? {};
  for (const key of ['exec', 'auth-provider']) {
    if (user[key] !== undefined) {
      throw new PermissionDenied(
        `kubeconfig ${file}: user '${userName ?? ''}' of context '${context}' uses '${key}', which runs a program on the ` +
          'worker to get credentials; refused. Use a client certificate or a token file for the agent’s user.',
      );
    }
  }
}
