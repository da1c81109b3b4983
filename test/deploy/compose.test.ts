import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../worker/config-loader';
import { REPO_ROOT, envFileValues, repoFile, runTool, scratch } from './support';

/** The part of `docker compose config --format json` these tests read. */
interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context: string; readonly dockerfile: string };
  readonly command?: readonly string[];
  readonly user?: string;
  readonly read_only?: boolean;
  readonly cap_drop?: readonly string[];
  readonly security_opt?: readonly string[];
  readonly environment?: Readonly<Record<string, string | null>>;
  readonly healthcheck?: { readonly test?: readonly string[]; readonly disable?: boolean };
  readonly depends_on?: Readonly<Record<string, { readonly condition: string }>>;
  readonly ports?: ReadonlyArray<{ readonly host_ip?: string; readonly published?: string; readonly target: number }>;
  readonly volumes?: ReadonlyArray<{ readonly type: string; readonly source?: string; readonly target: string }>;
  readonly configs?: ReadonlyArray<{ readonly source: string; readonly target: string }>;
}
interface ComposeProject {
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly volumes?: Readonly<Record<string, unknown>>;
}

const COMPOSE = repoFile('docker-compose.yml');
/** The compose file without its comments (which show the `${VAR:?...}` syntax itself). */
const COMPOSE_CODE = COMPOSE.split('\n')
  .filter((l) => !l.trimStart().startsWith('#'))
  .join('\n');
const ENV_EXAMPLE = repoFile('.env.example');

/** .env.example's keys whose comment block says `secret:` (the block of comments above a group of keys). */
function secretKeys(text: string): string[] {
  const keys: string[] = [];
  let block: string[] = [];
  let lastWasKey = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      if (lastWasKey) block = [];
      block.push(line);
      lastWasKey = false;
    } else if (/^[A-Z_][A-Z0-9_]*=/.test(line)) {
      if (block.some((l) => l.startsWith('# secret:'))) keys.push(line.slice(0, line.indexOf('=')));
      lastWasKey = true;
    } else {
      block = [];
      lastWasKey = false;
    }
  }
  return keys;
}

/** The variables docker-compose.yml interpolates (`$${X}` is the container's own, not compose's). */
const composeVariables = (text: string): Set<string> =>
  new Set([...text.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] ?? ''));

/** Variables compose refuses to run without (`${X:?...}`). */
const requiredVariables = (text: string): Set<string> =>
  new Set([...text.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*):\?/g)].map((m) => m[1] ?? ''));

/** .env.example with a planted value for every required variable: what an operator's filled-in .env looks like. */
function filledEnv(): { text: string; planted: Record<string, string> } {
  const planted: Record<string, string> = {};
  for (const name of requiredVariables(COMPOSE_CODE))
    planted[name] = `planted-${name.toLowerCase().replace(/_/g, '-')}`;
  planted.SLACK_BOT_TOKEN = 'xoxb-planted-bot-token';
  planted.SLACK_APP_TOKEN = 'xapp-planted-app-token';
  planted.SLACK_BOT_USER_ID = 'U0PLANTED';
  planted.SLACK_BOT_ID = 'B0PLANTED';
  planted.POSTGRES_PASSWORD = 'planted0pg0password';
  const text = ENV_EXAMPLE.split('\n')
    .map((l) => {
      const key = /^([A-Z_][A-Z0-9_]*)=/.exec(l)?.[1];
      return key && planted[key] !== undefined ? `${key}=${planted[key]}` : l;
    })
    .join('\n');
  return { text, planted };
}

describe('docker-compose.yml through the Compose specification loader (compose-go)', () => {
  const files = scratch();
  afterAll(() => files.cleanup());

  const load = async (
    composePath: string,
    envFile: string,
  ): Promise<{ exitCode: number; stderr: string; project?: ComposeProject }> => {
    const r = await runTool('compose-check', ['--env-file', envFile, composePath]);
    return {
      exitCode: r.exitCode,
      stderr: r.stderr,
      ...(r.exitCode === 0 ? { project: JSON.parse(r.stdout) as ComposeProject } : {}),
    };
  };
  let project: ComposeProject;
  let planted: Record<string, string>;

  beforeAll(async () => {
    const env = filledEnv();
    planted = env.planted;
    const r = await load(join(REPO_ROOT, 'docker-compose.yml'), files.write('filled.env', env.text));
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    project = r.project as ComposeProject;
  });

  it('GIVEN a filled-in .env WHEN loaded THEN PostgreSQL, Temporal on it, its UI, a worker and the bot, each with a health check', () => {
    expect(Object.keys(project.services).sort()).toEqual(['bot', 'postgresql', 'temporal', 'temporal-ui', 'worker']);
    const checks = Object.entries(project.services).map(([name, s]) => ({
      name,
      test: s.healthcheck?.test?.[0],
      disabled: s.healthcheck?.disable ?? false,
    }));
    expect(checks.filter((c) => !['CMD', 'CMD-SHELL'].includes(c.test ?? '') || c.disabled)).toEqual([]);
    const svc = project.services;
    expect(svc.temporal?.image).toMatch(/^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
    expect(svc.temporal?.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(svc['temporal-ui']?.image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
    expect(svc.postgresql?.image).toMatch(/^postgres:\d+\.\d+-/);
    // The worker and the bot run the product's one image, built from the Dockerfile.
    expect(svc.worker?.image).toBe(svc.bot?.image);
    expect(svc.worker?.build).toMatchObject({ context: REPO_ROOT, dockerfile: 'Dockerfile' });
    expect([svc.worker?.command, svc.bot?.command]).toEqual([['worker'], ['bot']]);
  });

  it('GIVEN the services WHEN their depends_on are read THEN each waits for what it needs to be healthy', () => {
    const conditions = Object.fromEntries(
      Object.entries(project.services).map(([name, s]) => [
        name,
        Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([d, v]) => [d, v.condition])),
      ]),
    );
    expect(conditions).toEqual({
      postgresql: {},
      temporal: { postgresql: 'service_healthy' },
      'temporal-ui': { temporal: 'service_healthy' },
      worker: { postgresql: 'service_healthy', temporal: 'service_healthy' },
      bot: { postgresql: 'service_healthy', temporal: 'service_healthy', worker: 'service_healthy' },
    });
  });

  it('GIVEN the worker and the bot WHEN read THEN they run unprivileged on a read-only root with named volumes for state', () => {
    for (const name of ['worker', 'bot']) {
      const s = project.services[name] as ComposeService;
      expect({ name, user: s.user, readOnly: s.read_only, capDrop: s.cap_drop, securityOpt: s.security_opt }).toEqual({
        name,
        user: '1000:1000',
        readOnly: true,
        capDrop: ['ALL'],
        securityOpt: ['no-new-privileges:true'],
      });
      expect(s.volumes).toEqual([
        expect.objectContaining({ type: 'volume', source: 'infra-agent-state', target: '/var/lib/infra-agent' }),
      ]);
      expect(s.configs).toEqual([{ source: 'infra-agent-config', target: '/etc/infra-agent/config.yaml' }]);
    }
    expect(project.services.postgresql?.volumes).toEqual([
      expect.objectContaining({ type: 'volume', source: 'postgres-data', target: '/var/lib/postgresql/data' }),
    ]);
    expect(Object.keys(project.volumes ?? {}).sort()).toEqual(['infra-agent-state', 'postgres-data']);
    // Published ports only on the machine's loopback: the Temporal frontend and the UI; nothing else is published.
    const published = Object.entries(project.services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => `${name} ${p.host_ip ?? '*'}:${p.published ?? '?'}->${p.target}`),
    );
    expect(published.sort()).toEqual(['temporal 127.0.0.1:7233->7233', 'temporal-ui 127.0.0.1:8233->8080']);
  });

  it('GIVEN .env.example WHEN read beside the compose file THEN it lists every variable with a comment and holds no secret value', () => {
    const listed = envFileValues(ENV_EXAMPLE);
    expect([...composeVariables(COMPOSE_CODE)].filter((v) => !(v in listed))).toEqual([]);
    const lines = ENV_EXAMPLE.split('\n');
    const uncommented = lines.flatMap((l, i) => {
      if (!/^[A-Z_][A-Z0-9_]*=/.test(l)) return [];
      let j = i - 1;
      while (j >= 0 && /^[A-Z_][A-Z0-9_]*=/.test(lines[j] ?? '')) j--;
      return (lines[j] ?? '').startsWith('#') ? [] : [l];
    });
    expect(uncommented).toEqual([]);
    const secrets = secretKeys(ENV_EXAMPLE);
    expect(secrets.sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'INFRA_AGENT_MFA_KEY',
      'POSTGRES_PASSWORD',
      'SLACK_APP_TOKEN',
      'SLACK_BOT_TOKEN',
    ]);
    expect(Object.fromEntries(secrets.map((k) => [k, listed[k]]))).toEqual(
      Object.fromEntries(secrets.map((k) => [k, ''])),
    );
  });

  it('GIVEN the compose file WHEN its text is read THEN every secret reaches a container only as ${VAR} from the env file', () => {
    const secrets = secretKeys(ENV_EXAMPLE);
    const assignments = COMPOSE_CODE.split('\n').flatMap((l) => {
      const m = /^\s*([A-Z_][A-Z0-9_]*):\s*(.*)$/.exec(l);
      return m && secrets.includes(m[1] ?? '') ? [{ key: m[1], value: m[2] }] : [];
    });
    expect(assignments.length).toBeGreaterThanOrEqual(secrets.length);
    for (const a of assignments) expect(a.value).toMatch(new RegExp(`^\\$\\{${a.key}:[-?][^}]*\\}$`));
    // The database URL gets its user and password only by interpolation.
    const url = /INFRA_AGENT_DATABASE_URL: (.+)$/m.exec(COMPOSE_CODE)?.[1];
    expect(url).toMatch(
      /^postgres:\/\/\$\{POSTGRES_USER:-\w+\}:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgresql:5432\/infra_agent$/,
    );
    expect(COMPOSE_CODE).not.toMatch(
      /xox[abp]-[0-9A-Za-z]{4}|xapp-[0-9A-Za-z]|AKIA[0-9A-Z]{16}|-----BEGIN|password\s*[:=]\s*\w/i,
    );
    // With .env filled in, the values arrive in the containers' environment and nowhere else.
    expect(project.services.worker?.environment).toMatchObject({
      SLACK_BOT_TOKEN: planted.SLACK_BOT_TOKEN,
      INFRA_AGENT_MFA_KEY: planted.INFRA_AGENT_MFA_KEY,
      INFRA_AGENT_DATABASE_URL: `postgres://infra_agent:${planted.POSTGRES_PASSWORD}@postgresql:5432/infra_agent`,
    });
    expect(project.services.temporal?.environment?.POSTGRES_PWD).toBe(planted.POSTGRES_PASSWORD);
  });

  it('GIVEN .env.example as shipped (secrets empty) WHEN loaded THEN the loader refuses, naming every required variable', async () => {
    const r = await load(join(REPO_ROOT, 'docker-compose.yml'), join(REPO_ROOT, '.env.example'));
    expect(r.exitCode).toBe(1);
    const named = new Set(
      [...r.stderr.matchAll(/required variable ([A-Z_0-9]+) is missing a value/g)].map((m) => m[1]),
    );
    expect([...named].sort()).toEqual([...requiredVariables(COMPOSE_CODE)].sort());
    expect([...named].sort()).toEqual([
      'INFRA_AGENT_MFA_KEY',
      'POSTGRES_PASSWORD',
      'SLACK_APP_TOKEN',
      'SLACK_BOT_ID',
      'SLACK_BOT_TOKEN',
      'SLACK_BOT_USER_ID',
    ]);
  });

  it.each([
    [
      'a depends_on naming no service',
      (t: string) =>
        t.replace(
          '      worker:\n        condition: service_healthy',
          '      wrker:\n        condition: service_healthy',
        ),
      /service "bot" depends on undefined service "wrker"/,
    ],
    [
      'a port out of range',
      (t: string) => t.replace(':${TEMPORAL_UI_PORT:-8233}:8080', ':${TEMPORAL_UI_PORT:-8233}:80800'),
      /invalid containerPort: 80800/i,
    ],
    [
      'a host port out of range',
      (t: string) => t.replace('127.0.0.1:${TEMPORAL_PORT:-7233}:7233', '127.0.0.1:99999:7233'),
      /Invalid hostPort: 99999/,
    ],
    [
      'a health check interval that is no duration',
      (t: string) => t.replace('interval: 5s', 'interval: 5 parsecs'),
      /interval/,
    ],
    [
      'an unknown service key',
      (t: string) =>
        t.replace(
          '    restart: unless-stopped\n    environment:\n      POSTGRES_USER',
          '    restart: unless-stopped\n    enviroment:\n      POSTGRES_USER',
        ),
      /enviroment/,
    ],
  ])('GIVEN the compose file broken by %s WHEN loaded THEN the loader refuses it', async (_what, breakIt, message) => {
    const broken = breakIt(COMPOSE);
    expect(broken).not.toBe(COMPOSE);
    // Beside the real file, so its relative paths (the config file, the build context) resolve as they do for it.
    const path = join(REPO_ROOT, `.compose-broken-${process.pid}.yml`);
    writeFileSync(path, broken);
    try {
      const r = await load(path, files.write('filled2.env', filledEnv().text));
      expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({
        exitCode: 1,
        stderr: expect.stringMatching(message),
      });
    } finally {
      rmSync(path, { force: true });
    }
  });

  it("GIVEN the compose config file and the worker's and bot's environment as loaded WHEN the product loads it THEN it validates", () => {
    const state = mkdtempSync(join(tmpdir(), 'infra-agent-compose-state-'));
    try {
      for (const name of ['worker', 'bot']) {
        const env = Object.fromEntries(
          Object.entries(project.services[name]?.environment ?? {}).filter((e): e is [string, string] => e[1] !== null),
        );
        // The image's own variables (Dockerfile ENV); /app/infra and /var/lib exist only in the container.
        const config = loadConfig(
          {
            ...env,
            INFRA_AGENT_BIN: '/usr/local/bin',
            INFRA_AGENT_INFRA_DIR: join(REPO_ROOT, 'infra'),
            INFRA_AGENT_STATE_DIR: state,
          },
          join(REPO_ROOT, 'deploy', 'compose', 'config.yaml'),
        );
        expect({
          name,
          temporal: config.temporal.address,
          queue: config.temporal.taskQueue,
          slack: config.slack?.mode,
        }).toEqual({
          name,
          temporal: 'temporal:7233',
          queue: 'infra-agent',
          slack: 'socket',
        });
        expect(config.slack?.botToken).toBe(planted.SLACK_BOT_TOKEN);
        expect(config.tools.helm).toBe('/usr/local/bin/helm');
      }
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});
