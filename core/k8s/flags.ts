import { InvalidInput } from '../errors';
import type { K8sRequestKind } from './request';

/**
 * The typed options a person may ask for. Raw flags never reach an argument array: they are parsed into this
 * object and the adapters write the flags themselves.
 */
export interface K8sOptions {
  /** helm install/upgrade/rollback: wait for resources to be ready. */
  readonly wait: boolean;
  /** helm install/upgrade: roll back by itself on failure. */
  readonly atomic: boolean;
  /** helm install: create the namespace. */
  readonly createNamespace: boolean;
  /** helm writes: `--timeout`, in seconds. */
  readonly timeoutSeconds?: number;
  /** kubectl logs: the previous container's log. */
  readonly previous: boolean;
}

/** Flags that are accepted, by the kinds they make sense for. */
const ALLOWED: Readonly<Record<string, readonly K8sRequestKind[]>> = {
  '--wait': ['helm-install', 'helm-upgrade', 'helm-rollback'],
  '--atomic': ['helm-install', 'helm-upgrade'],
  '--create-namespace': ['helm-install'],
  '--timeout': ['helm-install', 'helm-upgrade', 'helm-rollback'],
  '--previous': ['logs'],
};

/** Refused flags and why: each could load code or configuration, or act against another cluster or as someone else. */
const REFUSED: Readonly<Record<string, string>> = {
  '--kubeconfig': 'the kubeconfig is set by the environment, never by a request',
  '--context': "the kube context is the environment's; pick another environment instead",
  '--kube-context': "the kube context is the environment's; pick another environment instead",
  '--cluster': "the cluster is the environment's; pick another environment instead",
  '--user': "the kubeconfig user is the environment's",
  '--server': 'the API server is the environment’s; a request may not point kubectl elsewhere',
  '-s': 'the API server is the environment’s; a request may not point kubectl elsewhere',
  '--kube-apiserver': 'the API server is the environment’s; a request may not point helm elsewhere',
  '--token': 'credentials come from the environment, not from a request',
  '--kube-token': 'credentials come from the environment, not from a request',
  '--as': 'impersonation is not allowed',
  '--as-group': 'impersonation is not allowed',
  '--as-uid': 'impersonation is not allowed',
  '--kube-as-user': 'impersonation is not allowed',
  '--kube-as-group': 'impersonation is not allowed',
  '--certificate-authority': 'TLS settings come from the environment',
  '--kube-ca-file': 'TLS settings come from the environment',
  '--insecure-skip-tls-verify': 'TLS verification cannot be turned off',
  '--kube-insecure-skip-tls-verify': 'TLS verification cannot be turned off',
  '--client-certificate': 'credentials come from the environment, not from a request',
  '--client-key': 'credentials come from the environment, not from a request',
  '--post-renderer': 'a post-renderer runs an arbitrary program on the manifests',
  '--post-renderer-args': 'a post-renderer runs an arbitrary program on the manifests',
  '--plugins-dir': 'helm plugins run arbitrary programs',
  '--repository-config': 'the repository configuration is the worker’s, not a request’s',
  '--repository-cache': 'the repository configuration is the worker’s, not a request’s',
  '--registry-config': 'the registry configuration is the worker’s, not a request’s',
  '--exec': 'exec credential plugins run arbitrary programs',
};

const DURATION = /^([1-9][0-9]{0,3})(s|m)$/;
const MAX_TIMEOUT_SECONDS = 3600;

function refuse(flag: string, why: string): never {
  throw new InvalidInput(`flags: '${flag}' is not allowed: ${why}. Remove it and ask again.`);
}

/**
 * Parses user flags into options, refusing everything outside the allow-list. `--context`/`--kube-context` equal to
 * the environment's own context is tolerated (and dropped: the adapter sets it anyway); any other value is refused.
 */
export function parseK8sFlags(kind: K8sRequestKind, flags: readonly string[], kubeContext: string): K8sOptions {
  let wait = false;
  let atomic = false;
  let createNamespace = false;
  let previous = false;
  let timeoutSeconds: number | undefined;
  for (let i = 0; i < flags.length; i++) {
    const raw = flags[i] ?? '';
    const eq = raw.indexOf('=');
    const name = eq >= 0 ? raw.slice(0, eq) : raw;
    // A value may follow as the next element (`--context prod`); it is consumed so it is not read as a flag.
    const takeValue = (): string | undefined => {
      if (eq >= 0) return raw.slice(eq + 1);
      const next = flags[i + 1];
      if (next !== undefined && !next.startsWith('-')) {
        i++;
        return next;
      }
      return undefined;
    };
    if ((name === '--context' || name === '--kube-context') && takeValue() === kubeContext) continue;
    const why = REFUSED[name] ?? (/^-s./.test(name) ? REFUSED['-s'] : undefined);
    if (why) refuse(raw, why);
    const kinds = ALLOWED[name];
    if (!kinds) {
      refuse(raw, `only ${Object.keys(ALLOWED).join(', ')} are accepted (each for some requests only)`);
    }
    if (!kinds.includes(kind)) refuse(raw, `it does not apply to ${kind}; it is accepted for ${kinds.join(', ')}`);
    if (name === '--timeout') {
      const v = takeValue() ?? '';
      const m = DURATION.exec(v);
      const seconds = m ? Number(m[1]) * (m[2] === 'm' ? 60 : 1) : NaN;
      if (!(seconds <= MAX_TIMEOUT_SECONDS)) {
        throw new InvalidInput(`flags: '--timeout' needs a duration like 90s or 5m (at most 60m), got '${v}'.`);
      }
      timeoutSeconds = seconds;
      continue;
    }
    if (eq >= 0) refuse(raw, `'${name}' takes no value`);
    if (name === '--wait') wait = true;
    else if (name === '--atomic') atomic = true;
    else if (name === '--create-namespace') createNamespace = true;
    else if (name === '--previous') previous = true;
  }
  return { wait, atomic, createNamespace, previous, ...(timeoutSeconds ? { timeoutSeconds } : {}) };
}
