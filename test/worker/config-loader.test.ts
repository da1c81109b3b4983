import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createValidateActivities } from '../../activities/iac/validate-templates';
import { createRunCommand } from '../../adapters/cli/run-command';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../../worker/config-loader';
import { resolveIacVersions } from '../../worker/iac-version';

function tempFile(text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'config.yaml');
  writeFileSync(p, text);
  return p;
}

describe('loadConfig', () => {
  it('GIVEN no INFRA_AGENT_CONFIG THEN loads the embedded sandbox default with ports from the environment', () => {
    const c = loadConfig({ INFRA_AGENT_MOTO_PORT: '5999', INFRA_AGENT_TEMPORAL_PORT: '7999' });
    expect(c.aws.endpoint).toBe('http://127.0.0.1:5999');
    expect(c.temporal.address).toBe('127.0.0.1:7999');
    expect(Object.keys(c.environments)).toEqual(['dev', 'tst', 'prd']);
    expect(c.environments.prd.approval.mfa).toBe(true);
    expect(c.infraDir).toBe(join(DEFAULT_CONFIG_PATH, '..', '..', 'infra'));
  });

  it('GIVEN a variable that is not set and has no default THEN names the variable and the line', () => {
    const p = tempFile('temporal:\n  address: ${TEMPORAL_ADDR}\n');
    expect(() => loadConfig({}, p)).toThrow(ConfigError);
    try {
      loadConfig({}, p);
    } catch (e) {
      expect((e as Error).message).toMatch(/line 2: environment variable TEMPORAL_ADDR is not set/);
      expect((e as Error).message).toMatch(/environments: is missing/);
    }
  });

  it('GIVEN a file that is not YAML THEN says so instead of crashing', () => {
    const p = tempFile('temporal: [unclosed\n');
    expect(() => loadConfig({}, p)).toThrow(/is not valid YAML/);
  });

  it('GIVEN a path that does not exist THEN says it cannot be read and which variable to set', () => {
    expect(() => loadConfig({}, '/nonexistent/infra-agent.yaml')).toThrow(
      /cannot be read \(ENOENT\); set INFRA_AGENT_CONFIG/,
    );
  });
});

/** A copy of the sandbox config in `<dir>/conf/my.yaml`, with the infra folder copied beside it (`<dir>/infra`). */
function copiedSetup(edit: (text: string) => string = (t) => t): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-copy-'));
  mkdirSync(join(dir, 'conf'));
  for (const sub of ['cloudformation', 'cfn-guard-rules', join('helm', 'charts')])
    cpSync(join(REPO, 'infra', sub), join(dir, 'infra', sub), { recursive: true });
  const path = join(dir, 'conf', 'my.yaml');
  writeFileSync(path, edit(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')));
  return { dir, path };
}

function issuesOf(f: () => unknown): Record<string, string> {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return Object.fromEntries(e.issues.map((i) => [i.path, i.problem]));
    throw e;
  }
  throw new Error('expected a ConfigError');
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@x',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@x',
    },
  })
    .toString()
    .trim();
}

const REPO = join(__dirname, '..', '..');

describe('loadConfig: a copied config and the paths it names', () => {
  it('GIVEN the sandbox config copied elsewhere with its infra folder beside it THEN every path resolves against the copy, and templates validate from there', async () => {
    const { dir, path } = copiedSetup((t) => t.replace('infraDir: ../infra', 'infraDir: ../infra\nroots: [../infra]'));
    const c = loadConfig({}, path);
    expect(c.infraDir).toBe(join(dir, 'infra'));
    expect(c.roots).toEqual([join(dir, 'infra')]);
    expect(c.stacks.vpc?.template).toBe('cloudformation/00-foundation/vpc.yaml');
    const validate = createValidateActivities({
      run: createRunCommand(),
      cfnLintBin: c.tools.cfnLint,
      cfnGuardBin: c.tools.cfnGuard,
      rulesDir: join(c.infraDir, 'cfn-guard-rules', 'nist-800-53'),
      baseDir: c.infraDir,
      cacheDir: join(dir, 'cache'),
    });
    const report = await validate.validateTemplates({ files: [c.stacks.vpc?.template ?? ''] });
    expect(report.findings.filter((f) => f.source === 'parse')).toEqual([]);
  });

  it('GIVEN a copied config whose infra folder is not a git checkout THEN the IaC version names the folder; after a commit it is that commit', async () => {
    const { dir, path } = copiedSetup();
    const c = loadConfig({}, path);
    const before = await resolveIacVersions(c, {});
    expect(before.vpc).toEqual({
      problem: expect.stringMatching(
        new RegExp(`^${join(dir, 'infra')} is not a git checkout with a commit .*INFRA_AGENT_IAC_VERSION`),
      ),
    });
    git(join(dir, 'infra'), 'init', '-q');
    git(join(dir, 'infra'), 'add', '.');
    git(join(dir, 'infra'), 'commit', '-qm', 'infra');
    const sha = git(join(dir, 'infra'), 'rev-parse', 'HEAD');
    expect((await resolveIacVersions(c, {})).vpc).toEqual({ version: sha });
    expect((await resolveIacVersions(c, { INFRA_AGENT_IAC_VERSION: 'pinned' })).vpc).toEqual({ version: 'pinned' });
  });

  it('GIVEN a template in the team’s own repository (a second root) THEN it loads, and its IaC version is that repository’s commit', async () => {
    const { dir, path } = copiedSetup((t) =>
      t
        .replace('infraDir: ../infra', 'infraDir: ../infra\nroots: [../infra, ../team]')
        .replace('stacks:\n', 'stacks:\n  team-vpc: { template: ../team/cfn/vpc.yaml }\n'),
    );
    mkdirSync(join(dir, 'team', 'cfn'), { recursive: true });
    cpSync(join(dir, 'infra', 'cloudformation', '00-foundation', 'vpc.yaml'), join(dir, 'team', 'cfn', 'vpc.yaml'));
    for (const repo of ['infra', 'team']) {
      git(join(dir, repo), 'init', '-q');
      git(join(dir, repo), 'add', '.');
      git(join(dir, repo), 'commit', '-qm', repo);
    }
    const c = loadConfig({}, path);
    expect(c.stacks['team-vpc']?.template).toBe(join(dir, 'team', 'cfn', 'vpc.yaml'));
    const v = await resolveIacVersions(c, {});
    expect(v['team-vpc']).toEqual({ version: git(join(dir, 'team'), 'rev-parse', 'HEAD') });
    expect(v.vpc).toEqual({ version: git(join(dir, 'infra'), 'rev-parse', 'HEAD') });
  });

  it('GIVEN a copied config whose paths lead nowhere THEN one error names every setting, its value, where it resolved and the base', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-broken-'));
    mkdirSync(join(dir, 'conf'));
    mkdirSync(join(dir, 'outside'));
    writeFileSync(join(dir, 'outside', 'evil.yaml'), 'Resources: {}\n');
    writeFileSync(join(dir, 'a-file'), 'not a folder');
    const path = join(dir, 'conf', 'my.yaml');
    writeFileSync(
      path,
      readFileSync(DEFAULT_CONFIG_PATH, 'utf8')
        .replace(/audit:\n {2}path: .*\n/, 'audit:\n  path: ../a-file/audit.jsonl\n')
        .replace('infraDir: ../infra', 'infraDir: ../infra\nroots: [../infra, ../team]')
        .replace(/kubeconfig: .*\n {6}namespaceSuffix: -dev/, 'kubeconfig: ../kube/config\n      namespaceSuffix: -dev')
        .replace('stacks:\n', 'stacks:\n  evil: { template: ../outside/evil.yaml }\n'),
    );
    const issues = issuesOf(() => loadConfig({}, path));
    const rel = `paths are relative to the config file ${path}`;
    expect(issues.infraDir).toBe(`'../infra' → ${join(dir, 'infra')} does not exist; ${rel}`);
    expect(issues['roots[1]']).toBe(`'../team' → ${join(dir, 'team')} does not exist; ${rel}`);
    expect(issues['audit.path']).toBe(
      `'../a-file/audit.jsonl' → ${join(dir, 'a-file', 'audit.jsonl')} cannot be created: ${join(dir, 'a-file')} is not a folder; ${rel}`,
    );
    expect(issues['environments.dev.cluster.kubeconfig']).toBe(
      `'../kube/config' → ${join(dir, 'kube', 'config')} does not exist; ${rel}`,
    );
    expect(issues['stacks.vpc.template']).toBe(
      `'cloudformation/00-foundation/vpc.yaml' → ${join(dir, 'infra', 'cloudformation', '00-foundation', 'vpc.yaml')} does not exist; paths are relative to infraDir (${join(dir, 'infra')})`,
    );
    expect(issues['stacks.evil.template']).toMatch(
      /^'..\/outside\/evil.yaml' → .*outside\/evil.yaml lies outside every configured root .*add their repository to roots:/,
    );
    expect(issues['releases.sample-app.chart']).toBe(
      `'./infra/helm/charts/sample-app' → ${join(dir, 'infra', 'helm', 'charts', 'sample-app')} does not exist; paths are relative to the folder holding infraDir (${dir})`,
    );
    expect(Object.keys(issues)).toHaveLength(12); // the six catalog stacks, infraDir, a root, audit, kubeconfig, the chart, evil
  });

  it('GIVEN a template that is a symlink leading out of every root THEN refused (path traversal)', () => {
    const { dir, path } = copiedSetup();
    writeFileSync(join(dir, 'secret.yaml'), 'Resources: {}\n');
    symlinkSync(join(dir, 'secret.yaml'), join(dir, 'infra', 'cloudformation', 'link.yaml'));
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace('stacks:\n', 'stacks:\n  link: { template: cloudformation/link.yaml }\n'),
    );
    const issues = issuesOf(() => loadConfig({}, path));
    expect(issues['stacks.link.template']).toMatch(/lies outside every configured root/);
    expect(Object.keys(issues)).toEqual(['stacks.link.template']);
  });
});
