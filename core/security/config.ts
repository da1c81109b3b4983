import type { CheckSchedules } from '../check-schedule';
import { readCheckSchedule } from '../check-schedule';
import { ENVIRONMENTS } from '../environments';
import type { EnvironmentName } from '../environments';
import type { Severity } from './findings';
import { SEVERITIES } from './findings';
import type { GateRule } from './gate';
import { DEFAULT_MAX_WAIVER_DAYS } from './waivers';

/**
 * Config `security`: how images and templates are scanned (trivy), and each environment's gate. Absent: nothing
 * is scanned and the rollout's gate says so (pass-through, "NOT scanned").
 */
export interface SecurityConfig {
  readonly trivy: {
    /** trivy's --cache-dir; its vulnerability DB is `<cacheDir>/db/trivy.db`. Absolute once loaded. */
    readonly cacheDir: string;
    /** offline: the DB in cacheDir, never updated (the sandbox's); online: trivy's download; mirror: dbRepository. */
    readonly db: 'offline' | 'online' | 'mirror';
    readonly dbRepository?: string;
    readonly timeoutSeconds: number;
    readonly maxReportBytes: number;
  };
  /** archive: the sandbox's image tarballs, `<archiveDir>/<registry>/<repository>/<tag>.tar`; registry: pull the ref. */
  readonly images: { readonly source: 'archive'; readonly archiveDir: string } | { readonly source: 'registry' };
  /** Per environment; an environment without a rule is report-only. */
  readonly gates: Readonly<Partial<Record<EnvironmentName, GateRule>>>;
  /**
   * Stack deploys run `trivy config` on the template after validation and judge it by the environment's
   * misconfiguration threshold (`gates.<env>.misconfigurations`). Off unless set: the verdict is then not on the card.
   */
  readonly scanStackTemplates?: boolean;
  /** Waivers (`waive ...`): the longest one may last, in days (default 90). */
  readonly waivers?: { readonly maxDays: number };
  /**
   * Scheduled rescans (`security.rescan.schedule.<env>: { every: 7d, jitter: 1h }`): the images running in the
   * environment scanned against the current DB, a new CRITICAL alerting on call (docs/security.md). Absent: none.
   */
  readonly rescan?: { readonly schedule?: CheckSchedules };
}

interface Issue {
  readonly path: string;
  readonly problem: string;
}
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined'));

/** Validates `security:`; paths stay as written (the loader resolves them against the config file's folder). */
export function readSecurityConfig(raw: unknown): { value?: SecurityConfig; issues: Issue[] } {
  const issues: Issue[] = [];
  const fail = (path: string, problem: string): void => void issues.push({ path, problem });
  if (!isObj(raw)) return { issues: [{ path: 'security', problem: 'must be a mapping (trivy, images, gates)' }] };
  const t = isObj(raw.trivy) ? raw.trivy : {};
  if (raw.trivy !== undefined && !isObj(raw.trivy)) fail('security.trivy', 'must be a mapping (cacheDir, db)');
  const cacheDir = typeof t.cacheDir === 'string' && t.cacheDir ? t.cacheDir : undefined;
  if (!cacheDir) fail('security.trivy.cacheDir', "is missing; trivy's cache folder (its DB is <cacheDir>/db)");
  const db = t.db ?? 'online';
  if (db !== 'offline' && db !== 'online' && db !== 'mirror')
    fail('security.trivy.db', `'${show(db)}' is not a DB source; use offline, online or mirror`);
  const dbRepository = typeof t.dbRepository === 'string' ? t.dbRepository : undefined;
  if (db === 'mirror' && !dbRepository)
    fail('security.trivy.dbRepository', 'is missing; db: mirror needs the registry ref, e.g. mirror.local/trivy-db:2');
  const num = (key: string, fallback: number, max: number): number => {
    const v = t[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !(v > 0) || v > max) {
      fail(`security.trivy.${key}`, `must be a number above 0 and at most ${max}, got '${show(v)}'`);
      return fallback;
    }
    return v;
  };
  const timeoutSeconds = num('timeoutSeconds', 300, 3600);
  const maxReportMB = num('maxReportMB', 32, 512);

  const i = isObj(raw.images) ? raw.images : {};
  let images: SecurityConfig['images'] = { source: 'registry' };
  if (i.source === 'archive') {
    if (typeof i.archiveDir !== 'string' || !i.archiveDir)
      fail('security.images.archiveDir', 'is missing; source: archive needs the folder holding the image tarballs');
    else images = { source: 'archive', archiveDir: i.archiveDir };
  } else if (i.source !== undefined && i.source !== 'registry')
    fail('security.images.source', `'${show(i.source)}' is not a source; use registry or archive`);

  let maxDays = DEFAULT_MAX_WAIVER_DAYS;
  if (raw.waivers !== undefined) {
    const w = isObj(raw.waivers) ? raw.waivers : {};
    const v = w.maxDays;
    if (!isObj(raw.waivers)) fail('security.waivers', 'must be a mapping, e.g. { maxDays: 90 }');
    else if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 365))
      fail('security.waivers.maxDays', `must be a whole number of days from 1 to 365, got '${show(v)}'`);
    else if (typeof v === 'number') maxDays = v;
  }

  let rescan: SecurityConfig['rescan'];
  if (raw.rescan !== undefined) {
    if (!isObj(raw.rescan)) fail('security.rescan', 'must be a mapping, e.g. { schedule: { prd: { every: 7d } } }');
    else {
      for (const k of Object.keys(raw.rescan))
        if (k !== 'schedule') fail(`security.rescan.${k}`, 'unknown key; use schedule');
      const schedule = readCheckSchedule(raw.rescan.schedule, 'security.rescan.schedule', fail);
      rescan = schedule ? { schedule } : {};
    }
  }

  const scanStackTemplates = raw.scanStackTemplates ?? false;
  if (typeof scanStackTemplates !== 'boolean') fail('security.scanStackTemplates', 'must be true or false');

  const gates: Partial<Record<EnvironmentName, GateRule>> = {};
  const g = raw.gates === undefined ? {} : raw.gates;
  if (!isObj(g)) fail('security.gates', 'must be a mapping of environment to rule');
  for (const [env, rule] of Object.entries(isObj(g) ? g : {})) {
    const path = `security.gates.${env}`;
    if (!(ENVIRONMENTS as readonly string[]).includes(env)) {
      fail(path, `'${env}' is not an environment; use ${ENVIRONMENTS.join(', ')}`);
      continue;
    }
    if (!isObj(rule)) {
      fail(path, 'must be a mapping, e.g. { mode: block, vulnerabilities: [CRITICAL] }');
      continue;
    }
    const mode = rule.mode ?? 'block';
    if (mode !== 'block' && mode !== 'report')
      fail(`${path}.mode`, `'${show(mode)}' is not a mode; use report or block`);
    const severities = (key: string): Severity[] => {
      const v = rule[key];
      if (v === undefined) return [];
      if (!Array.isArray(v) || v.some((s) => !(SEVERITIES as readonly unknown[]).includes(s))) {
        fail(`${path}.${key}`, `must be a list of severities from ${SEVERITIES.join(', ')}, e.g. [CRITICAL, HIGH]`);
        return [];
      }
      return v as Severity[];
    };
    const fixableOnly = rule.fixableOnly ?? false;
    if (typeof fixableOnly !== 'boolean') fail(`${path}.fixableOnly`, 'must be true or false');
    gates[env as EnvironmentName] = {
      mode: mode === 'report' ? 'report' : 'block',
      vulnerabilities: severities('vulnerabilities'),
      fixableOnly: fixableOnly === true,
      misconfigurations: severities('misconfigurations'),
    };
  }
  if (issues.length > 0 || !cacheDir) return { issues };
  return {
    issues,
    value: {
      trivy: {
        cacheDir,
        db: db as SecurityConfig['trivy']['db'],
        ...(dbRepository ? { dbRepository } : {}),
        timeoutSeconds,
        maxReportBytes: Math.round(maxReportMB * 1024 * 1024),
      },
      images,
      gates,
      waivers: { maxDays },
      ...(scanStackTemplates === true ? { scanStackTemplates: true } : {}),
      ...(rescan ? { rescan } : {}),
    },
  };
}
