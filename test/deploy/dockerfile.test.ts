import { envFileValues, repoFile, runTool, scratch } from './support';

interface HadolintFinding {
  readonly code: string;
  readonly level: string;
  readonly line: number;
  readonly message: string;
}

const DOCKERFILE = repoFile('Dockerfile');
const VERSIONS = {
  ...envFileValues(repoFile('sandbox/versions.env')),
  ...envFileValues(repoFile('sandbox/kube/versions.env')),
};

/** The stages: each FROM's image and name, with the instructions up to the next FROM. */
function stages(text: string): Array<{ image: string; name?: string; body: string[] }> {
  const out: Array<{ image: string; name?: string; body: string[] }> = [];
  for (const line of text.split('\n')) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ image: from[1] ?? '', ...(from[2] ? { name: from[2] } : {}), body: [] });
    else out.at(-1)?.body.push(line);
  }
  return out;
}

const hadolint = async (path: string): Promise<{ exitCode: number; findings: HadolintFinding[] }> => {
  // --no-color and JSON; no config file is read (the project keeps none), so every rule is on at its default level.
  const r = await runTool('hadolint', ['--no-color', '--format', 'json', path]);
  return { exitCode: r.exitCode, findings: JSON.parse(r.stdout || '[]') as HadolintFinding[] };
};

describe('Dockerfile', () => {
  const files = scratch();
  afterAll(() => files.cleanup());

  it('GIVEN the Dockerfile WHEN hadolint (every rule, no ignores) checks it THEN it finds nothing', async () => {
    expect(DOCKERFILE).not.toMatch(/hadolint\s+(global\s+)?ignore/);
    expect(await hadolint('Dockerfile')).toEqual({ exitCode: 0, findings: [] });
  });

  it('GIVEN a planted bad Dockerfile WHEN hadolint checks it THEN it fails with the rules it breaks', async () => {
    const bad = files.write(
      'Dockerfile.bad',
      [
        'FROM node:latest',
        'RUN apt-get update && apt-get install -y curl',
        'RUN cd /app && npm install',
        'ADD index.js /app/',
        'USER root',
        'CMD node index.js',
        '',
      ].join('\n'),
    );
    const r = await hadolint(bad);
    expect(r.exitCode).toBe(1);
    expect([...new Set(r.findings.map((f) => f.code))].sort()).toEqual(
      expect.arrayContaining([
        'DL3002',
        'DL3003',
        'DL3007',
        'DL3008',
        'DL3009',
        'DL3015',
        'DL3020',
        'DL3025',
        'DL3066',
      ]),
    );
  });

  it("GIVEN the Dockerfile's node stages WHEN read THEN they run the Node that sandbox/versions.env pins", () => {
    const pinned = VERSIONS.NODE_VERSION ?? '';
    const nodeImages = stages(DOCKERFILE)
      .map((s) => s.image)
      .filter((i) => i.startsWith('node:'));
    expect(nodeImages.length).toBeGreaterThanOrEqual(2);
    for (const image of nodeImages) {
      const version = /^node:(\d+)\.(\d+)\.(\d+)-/.exec(image);
      expect({ image, major: version?.[1] }).toEqual({ image, major: pinned.split('.')[0] });
      expect(`${version?.[1]}.${version?.[2]}.${version?.[3]}`).toBe(pinned);
    }
  });

  it('GIVEN the tool versions the Dockerfile builds WHEN compared THEN they are the ones sandbox/versions.env pins', () => {
    const args: Record<string, string> = Object.fromEntries(
      [...DOCKERFILE.matchAll(/^ARG ([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    expect(Object.keys(args).sort()).toEqual([
      'CFN_GUARD_VERSION',
      'HELM_KUBE_MINOR',
      'HELM_VERSION',
      'KUBE_VERSION',
      'TRIVY_VERSION',
    ]);
    for (const [name, value] of Object.entries(args)) expect({ name, value }).toEqual({ name, value: VERSIONS[name] });
    // cfn-lint and the SAM translator: pinned, each wheel by hash, in the requirements the build stage installs.
    const reqs = repoFile('deploy/docker/cfn-lint-requirements.txt');
    expect(reqs).toContain(`cfn-lint==${VERSIONS.CFN_LINT_VERSION} \\\n    --hash=sha256:`);
    expect(reqs).toContain(`aws-sam-translator==${VERSIONS.SAM_TRANSLATOR_VERSION} \\\n    --hash=sha256:`);
    const pins = reqs.split('\n').filter((l) => /^[a-z0-9-]+==/.test(l));
    const hashes = reqs.split('\n').filter((l) => /^\s+--hash=sha256:[0-9a-f]{64}$/.test(l));
    expect(pins.length).toBeGreaterThan(10);
    expect(hashes.length).toBe(pins.length);
    expect(DOCKERFILE).toContain('--require-hashes');
  });

  it('GIVEN the stages WHEN read THEN the build is multi-stage and the final image is small, unprivileged, under tini, health-checked', () => {
    const all = stages(DOCKERFILE);
    expect(all.map((s) => s.name ?? '(final)')).toEqual(['go-tools', 'cfn-guard', 'build', '(final)']);
    for (const s of all) expect(s.image).toMatch(/:\d+\.\d+\.\d+(-[a-z-]+)?$/);
    const final = all.at(-1)?.body.join('\n') ?? '';
    // Compiled once in the build stage with dev dependencies pruned; the final stage copies only the results.
    expect(all.find((s) => s.name === 'build')?.body.join('\n')).toMatch(/npm run build[\s\\]+&& npm prune --omit=dev/);
    expect(final).not.toMatch(/npm (ci|install)|go (build|install)|cargo /);
    expect(final).toMatch(/^COPY --from=build \/app\/dist dist$/m);
    for (const tool of ['helm', 'trivy', 'kubectl', 'cfn-guard', 'cfn-lint']) expect(final).toContain(tool);
    const user = [...final.matchAll(/^USER (\S+)$/gm)].at(-1)?.[1];
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(final).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "\/app\/bin\/infra-agent"\]$/m);
    expect(final).toMatch(/^HEALTHCHECK .*\n\s+CMD \[.*\/healthz/m);
  });

  it('GIVEN deploy/docker/rehearse.sh WHEN compared THEN it compiles the same sources the build stage copies', () => {
    const build = stages(DOCKERFILE).find((s) => s.name === 'build')?.body ?? [];
    const copied = build.flatMap((l) => /^COPY ([a-z]+) \1$/.exec(l)?.[1] ?? []);
    const rehearsed = /for d in ([a-z ]+); do cp -r/.exec(repoFile('deploy/docker/rehearse.sh'))?.[1]?.split(' ');
    expect(copied.length).toBeGreaterThan(5);
    expect(rehearsed).toEqual(copied);
  });

  it('GIVEN .dockerignore WHEN read THEN the build context leaves out local state and secrets', () => {
    const ignore = repoFile('.dockerignore').split('\n');
    expect(ignore[ignore.findIndex((l) => !l.startsWith('#') && l.trim() !== '')]).toBe('**');
    const included = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    for (const never of ['.env', 'node_modules', 'dist', '.git']) expect(included).not.toContain(never);
    // Everything the Dockerfile copies from the context is let in.
    const copied = [...DOCKERFILE.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] ?? '').split(/\s+/));
    for (const path of copied)
      expect({ path, included: included.some((i) => path === i || path.startsWith(`${i}/`)) }).toEqual({
        path,
        included: true,
      });
  });
});
