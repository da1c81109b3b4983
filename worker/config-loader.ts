import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import type { AppConfig, ConfigIssue } from '../core/config';
import { formatConfigIssues, validateConfig } from '../core/config';
import { cacheRoot } from './cache-dir';

/** Raised when the configuration cannot be used; the message lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(formatConfigIssues(source, issues));
  }
}

/** The embedded local default: the sandbox configuration shipped in the repo. */
export const DEFAULT_CONFIG_PATH = resolve(__dirname, '..', 'config', 'sandbox.yaml');

/**
 * Replaces `${VAR}` and `${VAR:-default}` from `env`. A `${VAR}` with no value and no default is an issue
 * naming both the setting's line and the variable, never an empty string.
 */
export function interpolate(text: string, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): string {
  return text
    .split('\n')
    .map((line, i) =>
      // Comments are left alone: they may show the ${VAR} syntax itself.
      line.trimStart().startsWith('#')
        ? line
        : line.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => {
            const v = env[name];
            if (v !== undefined && v !== '') return v;
            if (fallback !== undefined) return fallback;
            issues.push({
              path: `line ${i + 1}`,
              problem: `environment variable ${name} is not set (used in: ${line.trim()})`,
            });
            return '';
          }),
    )
    .join('\n');
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

/**
 * Loads and validates the configuration: INFRA_AGENT_CONFIG, else the sandbox default. Called only from
 * composition roots (worker main, bot main, CLI main); everything else receives the typed result. Every path the
 * file names is resolved against the file's own folder and checked before anything uses it.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  path = env.INFRA_AGENT_CONFIG || DEFAULT_CONFIG_PATH,
): AppConfig {
  const source = resolve(path);
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (e) {
    throw new ConfigError(source, [
      {
        path: '(file)',
        problem: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); set INFRA_AGENT_CONFIG to a readable file`,
      },
    ]);
  }
  const issues: ConfigIssue[] = [];
  const expanded = interpolate(text, env, issues);
  let doc: unknown;
  try {
    doc = parse(expanded);
  } catch (e) {
    throw new ConfigError(source, [
      ...issues,
      { path: '(file)', problem: `is not valid YAML: ${(e as Error).message.split('\n')[0]}` },
    ]);
  }
  const result = validateConfig(doc);
  if (!result.ok || issues.length > 0) throw new ConfigError(source, [...issues, ...(result.ok ? [] : result.issues)]);
  const resolved = resolveConfigPaths(result.config, source, env);
  if (resolved.issues.length > 0) throw new ConfigError(source, resolved.issues);
  return resolved.config;
}

type Kind = 'file' | 'dir';

/** What a path setting resolved to, or the issue saying which setting points where. */
class PathChecker {
  readonly issues: ConfigIssue[] = [];
  constructor(readonly source: string) {}

  /** `p` relative to `base` (default: the config file's folder), `~` expanded. */
  abs(p: string, base = dirname(this.source)): string {
    const e = expandHome(p);
    return isAbsolute(e) ? resolve(e) : resolve(base, e);
  }

  /** Resolves and checks one path setting; the issue names the setting, the value, the path and the base. */
  check(setting: string, value: string, kind: Kind, relativeTo?: { dir: string; what: string }): string {
    const full = this.abs(value, relativeTo?.dir);
    const problem = kindProblem(full, kind);
    if (problem) this.fail(setting, value, full, problem, relativeTo?.what);
    return full;
  }

  fail(setting: string, value: string, full: string, problem: string, base?: string): void {
    const shownValue = `'${value}'${value === full ? '' : ` → ${full}`}`;
    const relative = isAbsolute(expandHome(value))
      ? ''
      : `; paths are relative to ${base ?? `the config file ${this.source}`}`;
    this.issues.push({ path: setting, problem: `${shownValue} ${problem}${relative}` });
  }

  /**
   * Which root `full` lies under (symlinks followed, so a link cannot lead out), or an issue. The path must exist.
   */
  underRoot(setting: string, value: string, full: string, roots: readonly string[]): string | undefined {
    let real: string;
    try {
      real = realpathSync(full);
    } catch {
      return undefined;
    }
    const root = roots.find((r) => {
      const rr = safeRealpath(r);
      return rr !== undefined && (real === rr || real.startsWith(rr + sep));
    });
    if (!root)
      this.issues.push({
        path: setting,
        problem:
          `'${value}' → ${real} lies outside every configured root (${roots.join(', ')}); ` +
          'keep templates and charts inside one of them, or add their repository to roots:',
      });
    return root;
  }
}

function safeRealpath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/** Why `full` is not a usable `kind`, or undefined when it is. */
function kindProblem(full: string, kind: Kind): string | undefined {
  let st;
  try {
    st = statSync(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(e)})`;
  }
  if (kind === 'dir' && !st.isDirectory()) return 'is not a folder';
  if (kind === 'file' && !st.isFile()) return 'is not a file';
  return undefined;
}

/** A file that is created on first use (the audit log): its nearest existing ancestor must be a folder. */
function creatableProblem(full: string): string | undefined {
  if (existsSync(full)) return kindProblem(full, 'file');
  let dir = dirname(full);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return statSync(dir).isDirectory() ? undefined : `cannot be created: ${dir} is not a folder`;
}

/** The sandbox's own folder: `npm run sandbox -- up` writes its kubeconfig there, so it may not exist yet. */
function sandboxDir(env: NodeJS.ProcessEnv): string {
  return resolve(expandHome(env.INFRA_AGENT_SANDBOX_DIR || join(cacheRoot(env), 'sandbox')));
}

/**
 * Resolves every path setting against the config file's folder (stack templates against infraDir unless written
 * ./, ../, ~/ or /; local charts against the folder holding infraDir, as the Kubernetes agent does) and checks each
 * exists and is the right kind, and that templates and local charts lie under one of `roots`. Returns every
 * problem at once. Tool paths are checked by `npm run doctor`, not here: bootstrap may still be installing them.
 */
export function resolveConfigPaths(
  c: AppConfig,
  source: string,
  env: NodeJS.ProcessEnv = process.env,
): { config: AppConfig; issues: ConfigIssue[] } {
  const p = new PathChecker(source);
  const infraDir = p.check('infraDir', c.infraDir, 'dir');
  // The default root is infraDir itself: checked once, under its own name.
  const roots = c.roots.map((r, i) => (r === c.infraDir ? infraDir : p.check(`roots[${i}]`, r, 'dir')));
  const auditPath = p.abs(c.audit.path);
  const auditProblem = creatableProblem(auditPath);
  if (auditProblem) p.fail('audit.path', c.audit.path, auditPath, auditProblem);
  const stacks = Object.fromEntries(
    Object.entries(c.stacks).map(([name, s]) => [name, { ...s, template: resolveTemplate(p, name, s.template) }]),
  );
  function resolveTemplate(pc: PathChecker, name: string, template: string): string {
    const setting = `stacks.${name}.template`;
    const fromConfig = /^(\.\.?\/|~\/|\/)/.test(template);
    const full = fromConfig
      ? pc.check(setting, template, 'file')
      : pc.check(setting, template, 'file', { dir: infraDir, what: `infraDir (${infraDir})` });
    if (pc.issues.some((i) => i.path === setting)) return template;
    pc.underRoot(setting, template, full, roots);
    // Templates inside infraDir keep the name people wrote (validation findings and previews show it).
    const rel = relative(infraDir, full);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : full;
  }
  const repo = dirname(infraDir);
  for (const [name, rel] of Object.entries(c.releases)) {
    if (!rel.chart.startsWith('./')) continue;
    const setting = `releases.${name}.chart`;
    const full = p.check(setting, rel.chart, 'dir', { dir: repo, what: `the folder holding infraDir (${repo})` });
    if (p.issues.some((i) => i.path === setting)) continue;
    if (!existsSync(join(full, 'Chart.yaml')))
      p.issues.push({ path: setting, problem: `'${rel.chart}' → ${full} has no Chart.yaml; point it at a Helm chart` });
    else p.underRoot(setting, rel.chart, full, roots);
  }
  const sandbox = sandboxDir(env);
  const environments = Object.fromEntries(
    Object.entries(c.environments).map(([k, e]) => {
      const kc = e.cluster?.kubeconfig;
      if (!e.cluster || !kc) return [k, e];
      const setting = `environments.${k}.cluster.kubeconfig`;
      const full = p.abs(kc);
      const problem = kindProblem(full, 'file');
      const laterBySandbox = problem === 'does not exist' && full.startsWith(sandbox + sep);
      if (problem && !laterBySandbox) p.fail(setting, kc, full, problem);
      return [k, { ...e, cluster: { ...e.cluster, kubeconfig: full } }];
    }),
  ) as AppConfig['environments'];
  const tls = c.temporal.tls;
  const temporal: AppConfig['temporal'] =
    typeof tls === 'boolean'
      ? c.temporal
      : {
          ...c.temporal,
          tls: {
            ...tls,
            ...(tls.caFile ? { caFile: p.check('temporal.tls.caFile', tls.caFile, 'file') } : {}),
            ...(tls.certFile ? { certFile: p.check('temporal.tls.certFile', tls.certFile, 'file') } : {}),
            ...(tls.keyFile ? { keyFile: p.check('temporal.tls.keyFile', tls.keyFile, 'file') } : {}),
          },
        };
  const tool = (t: string): string => (t.includes('/') ? p.abs(t) : t);
  return {
    issues: p.issues,
    config: {
      ...c,
      temporal,
      audit: { path: auditPath },
      infraDir,
      roots,
      stacks,
      environments,
      tools: {
        cfnLint: tool(c.tools.cfnLint),
        cfnGuard: tool(c.tools.cfnGuard),
        helm: tool(c.tools.helm),
        kubectl: tool(c.tools.kubectl),
        trivy: tool(c.tools.trivy),
      },
      // Trivy's cache and the sandbox's image tarballs: made by the bootstrap, so not required to exist yet (a scan
      // without them fails with what to run).
      ...(c.security
        ? {
            security: {
              ...c.security,
              trivy: { ...c.security.trivy, cacheDir: p.abs(c.security.trivy.cacheDir) },
              images:
                c.security.images.source === 'archive'
                  ? { source: 'archive' as const, archiveDir: p.abs(c.security.images.archiveDir) }
                  : c.security.images,
            },
          }
        : {}),
    },
  };
}
