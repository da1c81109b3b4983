import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../worker/config-loader';
import { iamUserKeys } from '../support/aws';

// Issue 14: the AWS SDK for JavaScript warned on every start that Node 20 is no longer supported. The product now
// runs on the pinned Node LTS (24) (sandbox/versions.env; sandbox/lib.sh puts it first on PATH, bin/infra-agent re-runs
// itself on it when an older node starts it). These runs go the way a user's do: `node bin/infra-agent identity`
// with the node their PATH gives, in proven mode, so the CLI process itself builds an AWS SDK client (STS).

const REPO = join(__dirname, '..', '..');
const BIN = join(REPO, 'bin', 'infra-agent');
const SDK_WARNING = /NodeVersionSupportWarning|AWS SDK for JavaScript \(v3\)/;

/** Every distinct `node` on PATH, first one first, with its major version. */
function nodesOnPath(): Array<{ path: string; major: number }> {
  const seen = new Map<string, number>();
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'node');
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    const real = realpathSync(candidate);
    if (seen.has(real)) continue;
    const version = execFileSync(real, ['--version'], { encoding: 'utf8' }).trim();
    seen.set(real, Number(/^v(\d+)\./.exec(version)?.[1]));
  }
  return [...seen].map(([path, major]) => ({ path, major }));
}

function run(node: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(node, [BIN, 'identity'], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('the Node the product runs on: no AWS SDK Node-version warning', () => {
  let env: NodeJS.ProcessEnv;
  const ALICE =
    'alice (Alice (platform engineer)); proven by: aws; AWS principal: arn:aws:iam::123456789012:user/alice';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'node-version-'));
    const configPath = join(dir, 'config.yaml');
    const yaml = readFileSync(DEFAULT_CONFIG_PATH, 'utf8');
    writeFileSync(
      configPath,
      yaml
        .replace('infraDir: ../infra', `infraDir: ${join(REPO, 'infra')}`)
        .replace(/terminal: claimed/, 'terminal: proven'),
    );
    env = { ...process.env, INFRA_AGENT_CONFIG: configPath, ...(await iamUserKeys(loadConfig(), 'alice')) };
    // Nothing may hide the warning: the test sees what a user's shell would show.
    for (const k of ['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'AWS_PROFILE', 'AWS_SESSION_TOKEN'])
      delete env[k];
    delete env.INFRA_AGENT_NODE_RERUN;
  });

  it('GIVEN each node on PATH (the first is what `node` runs), old ones too THEN the CLI answers, stderr empty; an old one warns only when kept from re-running', async () => {
    const nodes = nodesOnPath();
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) {
      const r = await run(node.path, env);
      expect({ node: node.path, stderr: r.stderr, stdout: r.stdout.trim() }).toEqual({
        node: node.path,
        stderr: '',
        stdout: ALICE,
      });
      if (node.major < 22) {
        // The check can fail: the same old node kept from re-running on the pinned one warns.
        const kept = await run(node.path, { ...env, INFRA_AGENT_NODE_RERUN: '1' });
        expect(kept.stderr).toMatch(SDK_WARNING);
        expect(kept.stdout.trim()).toBe(ALICE);
      }
    }
  });

  it('GIVEN npm test (sandbox/test.sh puts the pinned Node first on PATH) THEN jest itself runs on the pinned Node LTS', () => {
    const pinned = /^NODE_VERSION=(\S+)$/m.exec(readFileSync(join(REPO, 'sandbox', 'versions.env'), 'utf8'))?.[1];
    expect({ node: process.version, pinnedMajor: Number(pinned?.split('.')[0]) >= 24 }).toEqual({
      node: `v${pinned}`,
      pinnedMajor: true,
    });
  });
});
