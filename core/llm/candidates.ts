import type { ParseContext } from '../commands/parse';
import { ROLLOUT_OPERATION_ID } from '../commands/parse';
import { ENVIRONMENTS } from '../environments';
import type { EnvironmentName } from '../environments';
import type { Entities } from './entities';
import type { Capability } from './vocabulary';

/** A command the matcher is confident about, as tool-call style arguments (judged like a model's). */
export interface Candidate {
  readonly name: string;
  readonly args: Readonly<Record<string, string | number>>;
}

/** The deterministic matcher's reading of free text. */
export type NearMiss =
  | { readonly kind: 'candidates'; readonly candidates: readonly Candidate[] }
  | {
      readonly kind: 'clarify';
      readonly question: string;
      readonly suggestions: readonly string[];
      /** The capability asked for that infra-agent does not have (then nothing is suggested). */
      readonly unsupported?: string;
    }
  | { readonly kind: 'diagnose'; readonly question: string };

export const clarify = (question: string, suggestions: readonly string[]): NearMiss => ({
  kind: 'clarify',
  question,
  suggestions,
});

/** Words naming something infra-agent does not do: say so and what is closest, and offer no command for it. */
export const unsupported = (c: Capability): NearMiss => ({
  kind: 'clarify',
  question: `infra-agent does not do ${c.what}. Closest: ${c.closest}. Type help to see everything it does.`,
  suggestions: [],
  unsupported: c.what,
});

/** Entities but no verb: ask what to do with them. */
export function noVerb(e: Entities, ctx: ParseContext): NearMiss {
  const stack = e.stacks[0];
  const env = e.envs[0];
  const service = e.services[0];
  const pod = e.pods[0];
  if (pod && env)
    return clarify(`what should I do with pod ${pod.pod} in ${env}?`, [`logs ${pod.pod} ${pod.service} ${env}`]);
  // A version names a rollout: the only command that takes one.
  const version = e.versions[0];
  if (service && version)
    return clarify(
      `roll out ${service} ${version}? say where:`,
      (env ? [env] : ENVIRONMENTS).map((v) => `rollout ${service} ${version} to ${v}`),
    );
  if (service && env)
    return clarify(`what should I do with ${service} in ${env}?`, [
      `pods ${service} ${env}`,
      `deployments ${service} ${env}`,
      `events ${service} ${env}`,
    ]);
  if (stack && env)
    return clarify(`what should I do with ${stack} in ${env}?`, [
      `status stack ${stack} ${env}`,
      `deploy stack ${stack} to ${env}`,
    ]);
  if (e.ops[0]) return clarify(`what should I do with ${e.ops[0]}?`, [`status ${e.ops[0]}`, `approve ${e.ops[0]}`]);
  // Nothing named: no command is offered in its place (a guess would be a different command than asked).
  void ctx;
  return clarify('I did not understand that; type help to see what I can do.', []);
}

/** Fills a verb's command from the entities, or asks for what is missing (never guesses a stack or environment). */
export function build(verb: string, e: Entities, ctx: ParseContext, verbWord = verb): Candidate[] | NearMiss {
  const stacks = e.stacks;
  const services = e.services;
  const service = services[0];
  // A Helm release is installed, upgraded or rolled back with the helm commands, never read as a stack.
  const release = e.releases[0];
  if (release && stacks.length === 0 && services.length === 0 && ['deploy', 'delete', 'rollback'].includes(verb))
    return releaseChange(verb, verbWord, release, e);
  // "roll out payments-api 1.4.2 to dev": a service target makes a deploy a rollout (stacks are another catalog).
  if (verb === 'deploy' && service && stacks.length === 0) return rollout(e, service);
  // Reads of a service: its pods, Deployments, events, and the log of one of its pods. Its status, or what is
  // running for it, is its Deployments (images, ready replicas).
  if (
    ['status', 'list', 'pods', 'deployments', 'events', 'audit'].includes(verb) &&
    services.length &&
    stacks.length === 0
  ) {
    if (e.ops.length) return e.ops.map((op) => ({ name: 'operation-status', args: { op } }));
    return serviceRead(verb, e);
  }
  if (verb === 'audit' && e.releases.length && stacks.length === 0) {
    const release = e.releases[0] ?? '';
    if (e.envs.length === 0) return askEnv(release, (v) => `helm history ${release} ${v}`);
    return e.envs.map((env) => ({ name: 'helm-history', args: { release, env } }));
  }
  switch (verb) {
    case 'describe': {
      const objects = e.objects;
      if (objects.length === 0) {
        // "describe vpc in dev": a stack's description is its status.
        if (stacks.length || !service) return build('status', e, ctx);
        return clarify(
          `describe which object of ${service}? name it as pod/<name>, deployment/<name> or service/<name>; its pods:`,
          (e.envs.length ? e.envs : ENVIRONMENTS).map((v) => `pods ${service} ${v}`),
        );
      }
      const first = objects[0];
      if (first && e.envs.length === 0)
        return askEnv(
          `${first.kind}/${first.name}`,
          (v) => `describe ${first.kind}/${first.name} ${first.service} ${v}`,
        );
      return objects.flatMap((o) =>
        e.envs.map((env) => ({ name: 'describe', args: { object: `${o.kind}/${o.name}`, service: o.service, env } })),
      );
    }
    case 'rollout-status': {
      if (!service) {
        return clarify(
          `rollout status of which service? known services: ${(ctx.services ?? []).join(', ') || 'none'}`,
          (ctx.services ?? []).slice(0, 3).map((s) => `rollout status ${s} ${e.envs[0] ?? 'dev'}`),
        );
      }
      if (e.envs.length === 0) return askEnv(service, (v) => `rollout status ${service} ${v}`);
      return services.flatMap((s) => e.envs.map((env) => ({ name: 'rollout-status', args: { service: s, env } })));
    }
    case 'diff': {
      const release = e.releases[0];
      if (!release) {
        // What a stack deploy would change is its preview (nothing runs before approval).
        if (stacks.length) return build('deploy', e, ctx);
        return clarify(
          `diff which Helm release? known releases: ${(ctx.releases ?? []).join(', ') || 'none'}`,
          (ctx.releases ?? []).slice(0, 3).map((r) => `helm diff ${r} ${e.envs[0] ?? 'dev'}`),
        );
      }
      if (e.envs.length === 0) return askEnv(release, (v) => `helm diff ${release} ${v}`);
      return e.releases.flatMap((r) => e.envs.map((env) => ({ name: 'helm-diff', args: { release: r, env } })));
    }
    case 'rollback': {
      const fromOps = e.ops.flatMap((op) => {
        const [, env, svc] = op.split('/');
        return op.startsWith('rollout/') && env && svc ? [{ service: svc, env }] : [];
      });
      if (fromOps.length) return fromOps.map((args) => ({ name: 'rollback', args }));
      if (!service) {
        // A stack named: rolling back another object (a service) is not what was asked, so nothing is offered.
        return clarify(
          `roll back which service?${stacks[0] ? ` ${stacks[0]} is a stack; stacks are changed with deploy stack, not rolled back.` : ''} known services: ${(ctx.services ?? []).join(', ') || 'none'}`,
          stacks.length ? [] : (ctx.services ?? []).slice(0, 3).map((s) => `rollback ${s} ${e.envs[0] ?? 'dev'}`),
        );
      }
      if (e.envs.length === 0) return askEnv(service, (v) => `rollback ${service} ${v}`);
      return services.flatMap((s) => e.envs.map((env) => ({ name: 'rollback', args: { service: s, env } })));
    }
    case 'pause':
    case 'resume': {
      const ops = rolloutOps(e);
      if (ops.length === 0)
        return clarify(`${verb} which rollout? ids look like rollout/dev/payments-api (see list)`, ['list']);
      return ops.map((op) => ({ name: `rollout-${verb}`, args: { op } }));
    }
    case 'deploy':
    case 'delete': {
      const name = `${verb}-stack`;
      const envs = verb === 'delete' && e.envs.length === 0 ? e.fromEnvs : e.envs;
      const pattern =
        verb === 'deploy'
          ? (s: string, v: string) => `deploy stack ${s} to ${v}`
          : (s: string, v: string) => `delete stack ${s} from ${v}`;
      if (stacks.length === 0) {
        // `delete pod …`, `delete payments-api`: the object is not a stack, and stacks are all this deletes.
        const other = e.objects[0] ?? e.pods[0] ?? service;
        if (other)
          return unsupported({
            what: `${verb === 'delete' ? 'deleting' : 'deploying'} ${typeof other === 'string' ? `the service ${other}` : 'a Kubernetes object'} this way`,
            closest:
              verb === 'delete'
                ? '`delete stack <stack> from <env>` deletes a catalog stack; services and their pods are not deleted by infra-agent'
                : '`rollout <service> <version> to <env>` for a service, `deploy stack <stack> to <env>` for a stack',
          });
        const unknown = e.unknownTargets[0];
        return clarify(
          `which stack?${unknown ? ` '${unknown}' is not in the catalog;` : ''} known stacks: ${ctx.stacks.join(', ')}`,
          ctx.stacks.slice(0, 3).map((s) => pattern(s, envs[0] ?? 'dev')),
        );
      }
      if (envs.length === 0) return askEnv(stacks[0] ?? '', (v) => pattern(stacks[0] ?? '', v));
      return stacks.flatMap((stack) => envs.map((env) => ({ name, args: { stack, env } })));
    }
    case 'status': {
      if (e.ops.length) return e.ops.map((op) => ({ name: 'operation-status', args: { op } }));
      if (stacks.length && e.envs.length)
        return stacks.flatMap((stack) => e.envs.map((env) => ({ name: 'stack-status', args: { stack, env } })));
      if (stacks[0]) return askEnv(stacks[0], (v) => `status stack ${stacks[0] ?? ''} ${v}`);
      // "status in prd", "show the foo report": something is named that is not a stack, service or operation.
      if (e.envs.length || e.unknownEnvs.length || e.unknownTargets.length || e.pods.length || e.releases.length)
        return clarify(
          `status of what${e.envs[0] ? ` in ${e.envs[0]}` : ''}? name a stack, a service or an operation id (see list)`,
          e.envs[0] ? ctx.stacks.slice(0, 3).map((s) => `status stack ${s} ${e.envs[0] ?? ''}`) : [],
        );
      return [{ name: 'list', args: {} }];
    }
    case 'validate': {
      const targets = [...e.paths, ...stacks];
      if (targets.length === 0)
        return clarify(
          'validate which template or stack?',
          ctx.stacks.slice(0, 3).map((s) => `validate ${s}`),
        );
      return targets.map((path) => ({ name: 'validate', args: { path } }));
    }
    case 'approve':
    case 'cancel':
    case 'reject': {
      // Stopping a rollout is an abort: traffic goes back to the old colour.
      if (verb === 'cancel' && stacks.length === 0 && rolloutOps(e).length)
        return rolloutOps(e).map((op) => ({ name: 'rollout-abort', args: { op } }));
      const ops = e.ops.length
        ? e.ops
        : [
            ...stacks.flatMap((s) => e.envs.map((env) => `stack/${env}/${s}`)),
            ...services.flatMap((s) => e.envs.map((env) => `rollout/${env}/${s}`)),
          ];
      if (ops.length === 0) return clarify(`${verb} which operation? ids look like stack/dev/vpc (see list)`, ['list']);
      if (verb !== 'reject') return ops.map((op) => ({ name: verb, args: { op } }));
      if (!e.reason) return clarify(`why reject ${ops[0] ?? ''}? say: reject ${ops[0] ?? ''} because <reason>`, []);
      return ops.map((op) => ({ name: 'reject', args: { op, reason: e.reason ?? '' } }));
    }
    case 'list':
      return [{ name: 'list', args: {} }];
    case 'audit':
      return [{ name: 'audit', args: { n: e.counts[0] ?? 20 } }];
    case 'whoami':
      if (e.envs.length === 0) return askEnv('', (v) => `whoami ${v}`);
      return e.envs.map((env) => ({ name: 'whoami', args: { env } }));
    case 'pods':
    case 'deployments':
    case 'events': {
      // A service's read with no catalog service named: ask which, offering the same read (never help or another).
      const names = ctx.services ?? [];
      return clarify(
        `${verb} of which service? known services: ${names.join(', ') || 'none'}`,
        names.slice(0, 3).flatMap((s) => (e.envs.length ? e.envs : ['dev']).map((v) => `${verb} ${s} ${v}`)),
      );
    }
    case 'help':
      return [{ name: 'help', args: {} }];
    default:
      return clarify(`I did not understand what to do${verb ? ` (${verb})` : ''}; type help to see what I can do.`, []);
  }
}

/** install / upgrade / rollback of a Helm release; uninstalling one is not something infra-agent does. */
function releaseChange(verb: string, verbWord: string, release: string, e: Entities): Candidate[] | NearMiss {
  if (verb === 'delete')
    return unsupported({
      what: 'uninstalling a Helm release',
      closest: `\`helm history ${release} <env>\` shows its revisions; \`helm rollback ${release} <revision> <env>\` returns to one`,
    });
  if (verb === 'rollback') {
    const revision = e.counts[0];
    if (revision === undefined)
      return clarify(
        `roll ${release} back to which revision? see \`helm history ${release} ${e.envs[0] ?? '<env>'}\`, then say: helm rollback ${release} <revision> ${e.envs[0] ?? '<env>'}`,
        [],
      );
    if (e.envs.length === 0) return askEnv(release, (v) => `helm rollback ${release} ${revision} ${v}`);
    return e.envs.map((env) => ({ name: 'helm-rollback', args: { release, revision, env } }));
  }
  const action = verbWord === 'install' ? 'install' : verbWord === 'upgrade' ? 'upgrade' : undefined;
  if (!action) {
    // "deploy sample-app to dev": a first install or an upgrade; the person knows which.
    const envs = e.envs.length ? e.envs : ENVIRONMENTS;
    return clarify(
      `install ${release} (first time) or upgrade it?`,
      envs.flatMap((v) => [`helm upgrade ${release} ${v}`, `helm install ${release} ${v}`]),
    );
  }
  if (e.envs.length === 0) return askEnv(release, (v) => `helm ${action} ${release} ${v}`);
  return e.envs.map((env) => ({ name: `helm-${action}`, args: { release, env } }));
}

/** The rollout operations a clause names: ids, or a service and environment. */
function rolloutOps(e: Entities): string[] {
  const ids = e.ops.filter((op) => ROLLOUT_OPERATION_ID.test(op));
  if (e.ops.length) return ids;
  return e.services.flatMap((s) => e.envs.map((env) => `rollout/${env}/${s}`));
}

/** A rollout needs a service, a version and an environment: never guessed, asked for. */
function rollout(e: Entities, service: string): Candidate[] | NearMiss {
  const version = e.versions[0] ?? (e.counts[0] !== undefined ? String(e.counts[0]) : undefined);
  const env = e.envs[0];
  if (!version) {
    return clarify(
      `which version (image tag) of ${service}${env ? ` in ${env}` : ''}? say: rollout ${service} <version> to ${env ?? '<env>'}; to see what runs now:`,
      (env ? [env] : ENVIRONMENTS).map((v) => `deployments ${service} ${v}`),
    );
  }
  if (!env) return askEnv(`${service} ${version}`, (v) => `rollout ${service} ${version} to ${v}`);
  // Several services or tags: paired in the order they were said, or asked about; a tag is never reused for
  // another service.
  const services = e.services;
  const versions = e.versions.length ? e.versions : [version];
  if (services.length === 1 && versions.length === 1)
    return e.envs.map((v) => ({ name: 'rollout', args: { service, version, env: v } }));
  if (services.length !== versions.length)
    return clarify(
      `which version goes to which service? say one per line: rollout <service> <version> to ${env}`,
      services.flatMap((s) => versions.map((t) => `rollout ${s} ${t} to ${env}`)),
    );
  return services.flatMap((s, i) =>
    e.envs.map((v) => ({ name: 'rollout', args: { service: s, version: versions[i] ?? version, env: v } })),
  );
}

/** pods / deployments / events of a service, or the log of one of its pods. */
function serviceRead(verb: string, e: Entities): Candidate[] | NearMiss {
  const service = e.services[0] ?? '';
  if (verb === 'audit') {
    // "logs of payments-api in dev": a log is a pod's; name one, or list them first.
    const asObject = e.objects.find((o) => o.kind === 'pod');
    const pod = e.pods[0] ?? (asObject ? { pod: asObject.name, service: asObject.service } : undefined);
    if (!pod) {
      return clarify(
        `logs of which pod of ${service}? list them first:`,
        (e.envs.length ? e.envs : ENVIRONMENTS).map((v) => `pods ${service} ${v}`),
      );
    }
    if (e.envs.length === 0) return askEnv(pod.pod, (v) => `logs ${pod.pod} ${pod.service} ${v}`);
    return e.envs.map((env) => ({ name: 'pod-logs', args: { pod: pod.pod, service: pod.service, env } }));
  }
  const [name, word] =
    verb === 'pods'
      ? ['service-pods', 'pods']
      : verb === 'events'
        ? ['service-events', 'events']
        : ['service-deployments', 'deployments'];
  if (e.envs.length === 0) return askEnv(service, (v) => `${word} ${service} ${v}`);
  return e.services.flatMap((s) => e.envs.map((env) => ({ name, args: { service: s, env } })));
}

function askEnv(what: string, line: (env: EnvironmentName) => string): NearMiss {
  return clarify(`which environment${what ? ` for ${what}` : ''}: ${ENVIRONMENTS.join(', ')}?`, ENVIRONMENTS.map(line));
}
