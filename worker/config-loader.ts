import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import type { AppConfig, ConfigIssue } from '../core/config';
import { formatConfigIssues, validateConfig } from '../core/config';

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
 * composition roots (worker main, bot main, CLI main); everything else receives the typed result.
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
  // Relative paths in the file are relative to the file itself.
  const base = dirname(source);
  const abs = (p: string): string => {
    const e = expandHome(p);
    return isAbsolute(e) ? e : resolve(base, e);
  };
  const c = result.config;
  const tool = (p: string): string => (p.includes('/') ? abs(p) : p);
  return {
    ...c,
    audit: { path: abs(c.audit.path) },
    infraDir: abs(c.infraDir),
    environments: Object.fromEntries(
      Object.entries(c.environments).map(([k, e]) => [
        k,
        e.cluster?.kubeconfig ? { ...e, cluster: { ...e.cluster, kubeconfig: abs(e.cluster.kubeconfig) } } : e,
      ]),
    ) as AppConfig['environments'],
    tools: {
      cfnLint: tool(c.tools.cfnLint),
      cfnGuard: tool(c.tools.cfnGuard),
      helm: tool(c.tools.helm),
      kubectl: tool(c.tools.kubectl),
      trivy: tool(c.tools.trivy),
    },
  };
}
