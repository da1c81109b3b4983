import { canonical, loadCases, outcomeOf, strayCommands } from '../../eval/cases';
import { guardRefusal } from '../../core/llm/guard';
import type { ProposalContext } from '../../core/llm/proposal';
import { interpretOffline } from '../../core/llm/route';

const ctx: ProposalContext = {
  stacks: ['vpc', 'security-groups', 'iam-roles', 'eks-cluster', 'node-groups', 'addons'],
  services: ['payments-api', 'checkout-web'],
  releases: ['sample-app'],
  permissions: { userId: 'alice', known: true, approverIn: ['dev', 'tst', 'prd'] },
  autoRun: { environments: [], unscoped: false },
};
const read = (text: string) => outcomeOf(interpretOffline(text, ctx).interpretation);
const answer = (text: string) => interpretOffline(text, ctx).interpretation;

describe('near-miss matcher (no model)', () => {
  it.each([
    ['a typo in the verb', 'deplyo vpc to dev', ['deploy stack vpc to dev']],
    ['typos in stack and environment', 'deploy securty-groups to developmnet', ['deploy stack security-groups to dev']],
    ['a synonym and two-word stack', 'tear down the node groups in test', ['delete stack node-groups from tst']],
    ['free word order', 'to prod deploy vpc', ['deploy stack vpc to prd']],
    ['a status question', 'how is the eks cluster doing in prod', ['status stack eks-cluster prd']],
    ['an approval named by stack and environment', 'approve the vpc change in tst', ['approve stack/tst/vpc']],
    [
      'a multi-step request with a pronoun',
      'validate vpc then deploy it to dev',
      ['validate vpc', 'deploy stack vpc to dev'],
    ],
    [
      'a rollout by synonym, with the tag after the service',
      'ship checkout-web 2.1.0 to test',
      ['rollout checkout-web 2.1.0 to tst'],
    ],
    ['a service and its tag in one word', 'roll out payments-api@1.4.2 to dev', ['rollout payments-api 1.4.2 to dev']],
    ['a rollback by phrase', 'roll back payments-api in prod', ['rollback payments-api prd']],
    [
      'stopping a rollout (an abort, not a cancel)',
      'stop the payments-api rollout in tst',
      ['abort rollout/tst/payments-api'],
    ],
    ['cancelling a stack change (still a cancel)', 'abort stack/dev/eks-cluster', ['cancel stack/dev/eks-cluster']],
    [
      'a rollout-status question (a read, not a rollout)',
      'is checkout-web done rolling out in prod',
      ['rollout status checkout-web prd'],
    ],
    [
      'describe of a kind and a name of the service',
      'describe the deployment payments-api-green in tst',
      ['describe deployment/payments-api-green payments-api tst'],
    ],
    ['describe of a stack (its status)', 'describe vpc in prod', ['status stack vpc prd']],
    [
      'what an upgrade of a release would change',
      'what would change if we upgrade sample-app in dev',
      ['helm diff sample-app dev'],
    ],
    ['a pause by service and environment', 'pause payments-api in prd', ['pause rollout/prd/payments-api']],
    ['pods of a service', 'show me the pods of checkout-web in dev', ['pods checkout-web dev']],
    [
      'the logs of a pod (its service read from the name)',
      'logs of payments-api-blue-7d9c6-x2x7q in dev',
      ['logs payments-api-blue-7d9c6-x2x7q payments-api dev'],
    ],
    ['the history of a Helm release', 'history of sample-app in tst', ['helm history sample-app tst']],
  ])('GIVEN %s THEN the full command is proposed', (_what, text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it('GIVEN a request missing its environment THEN it asks, offering one line per environment, and never guesses', () => {
    const r = interpretOffline('ship the vpc', ctx).interpretation;
    expect(r).toEqual({
      kind: 'clarify',
      question: 'which environment for vpc: dev, tst, prd?',
      suggestions: ['deploy stack vpc to dev', 'deploy stack vpc to tst', 'deploy stack vpc to prd'],
    });
  });

  it('GIVEN a rollout without a version THEN it asks, offering to show what runs now, and never guesses a tag', () => {
    expect(interpretOffline('roll out payments-api to prd', ctx).interpretation).toEqual({
      kind: 'clarify',
      question:
        'which version (image tag) of payments-api in prd? say: rollout payments-api <version> to prd; to see what runs now:',
      suggestions: ['deployments payments-api prd'],
    });
  });

  it('GIVEN describe of a service without an object, or a Secret THEN it asks which object, or refuses', () => {
    expect(read('describe payments-api in dev')).toBe('clarify');
    expect(interpretOffline('describe payments-api in dev', ctx).interpretation).toMatchObject({
      suggestions: ['pods payments-api dev'],
    });
    expect(read('describe the secret payments-db in prd')).toBe('refuse');
  });

  it('GIVEN logs of a service without a pod THEN it offers to list the pods first', () => {
    expect(interpretOffline('logs of payments-api in dev', ctx).interpretation).toEqual({
      kind: 'clarify',
      question: 'logs of which pod of payments-api? list them first:',
      suggestions: ['pods payments-api dev'],
    });
  });

  it('GIVEN text the grammar parses THEN the grammar wins, even when it contains words the guard dislikes', () => {
    const r = interpretOffline('reject stack/dev/vpc because it would skip the approval of NACL changes', ctx);
    expect(r.source).toBe('grammar');
    expect(outcomeOf(r.interpretation)).toEqual([
      'reject stack/dev/vpc because it would skip the approval of NACL changes',
    ]);
    expect(guardRefusal('reject stack/dev/vpc because it would skip the approval of NACL changes')).toBeDefined();
  });

  it.each([
    ['an image vulnerability scan', 'does checkout-web have any high CVEs in prod', 'vulnerability and image scans'],
    ['idle resources', 'which load balancers are idle in tst', 'finding idle or unused resources'],
    ['cost', 'what did the vpc cost us last month', 'cost and spending reports'],
    ['drift', 'is node-groups drifting in dev', 'drift detection'],
    ['MFA setup', 'reset my 2fa', 'setting up MFA from a chat request'],
    [
      'a kubectl verb we do not run',
      'kubectl exec -it payments-api-blue-7d9c6-x2x7q -n payments-dev -- sh',
      'kubectl exec',
    ],
    ['a kubectl kind we do not read', 'kubectl get ingress -n checkout-tst', 'kubectl get ingress'],
    ['an aws cli call we do not make', 'aws s3 ls', 'aws s3 ls'],
    ['a helm verb we do not run', 'helm uninstall sample-app -n sample-dev', 'helm uninstall'],
    [
      'deleting a pod (only stacks are deleted)',
      'delete pod payments-api-blue-7d9c6-x2x7q in dev',
      'deleting a Kubernetes object this way',
    ],
  ])(
    'GIVEN words naming %s THEN it says it does not do that, names what is closest, and offers no command',
    (_w, text, what) => {
      const r = answer(text);
      expect(r).toMatchObject({ kind: 'clarify', unsupported: what, suggestions: [] });
      expect(r.kind === 'clarify' && r.question).toMatch(/^infra-agent does not do .*\. Closest: /);
    },
  );

  it.each([
    [
      'kubectl get pods with a namespace and its environment suffix',
      'kubectl get po -n checkout-dev',
      ['pods checkout-web dev'],
    ],
    ['kubectl get deployments', 'kubectl get deployments --namespace=payments-prd', ['deployments payments-api prd']],
    [
      'kubectl rollout undo of a service',
      'kubectl rollout undo deployment/payments-api -n payments-tst',
      ['rollback payments-api tst'],
    ],
    ['aws sts get-caller-identity', 'aws sts get-caller-identity --profile prd in prod', ['whoami prd']],
    [
      'aws cloudformation describe-stack-events',
      'aws cloudformation describe-stack-events --stack-name eks-cluster in tst',
      ['status stack eks-cluster tst'],
    ],
    ['an upgrade of a Helm release (not a stack deploy)', 'upgrade sample-app in tst', ['helm upgrade sample-app tst']],
  ])('GIVEN %s THEN it maps to our read or command', (_w, text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it('GIVEN a namespace without an environment suffix THEN it asks for the environment of the same read', () => {
    expect(answer('kubectl get events -n checkout')).toMatchObject({
      kind: 'clarify',
      suggestions: ['events checkout-web dev', 'events checkout-web tst', 'events checkout-web prd'],
    });
  });

  it("GIVEN an environment name that is not ours ('staging', 'uat') THEN it says so and asks, offering the same command in each of ours", () => {
    const r = answer('rollback checkout-web in staging');
    expect(r).toMatchObject({
      kind: 'clarify',
      suggestions: ['rollback checkout-web dev', 'rollback checkout-web tst', 'rollback checkout-web prd'],
    });
    expect(r.kind === 'clarify' && r.question).toMatch(
      /^there is no 'staging' environment here \(ours are dev, tst, prd\)/,
    );
    expect(read('status stack vpc uat')).toBe('clarify');
  });

  it('GIVEN a deploy of a Helm release without install or upgrade THEN it asks which, offering only helm commands', () => {
    expect(answer('deploy sample-app to dev')).toEqual({
      kind: 'clarify',
      question: 'install sample-app (first time) or upgrade it?',
      suggestions: ['helm upgrade sample-app dev', 'helm install sample-app dev'],
    });
  });

  it('GIVEN two writes named in one clause THEN it asks with both rather than picking one by priority', () => {
    expect(answer('roll back the checkout-web deploy in prd')).toEqual({
      kind: 'clarify',
      question: 'did you mean deploy or rollback?',
      suggestions: ['rollback checkout-web prd'],
    });
  });

  it("GIVEN 'undeploy' THEN it is a delete, never read as a typo of deploy", () => {
    expect(read('undeploy vpc from dev')).toEqual(['delete stack vpc from dev']);
    expect(read('deinstall vpc from dev')).not.toEqual(['deploy stack vpc to dev']);
  });

  it('GIVEN status words with an environment but no object THEN it asks status of what, instead of listing operations', () => {
    expect(answer('show me the report for prod')).toMatchObject({ kind: 'clarify' });
    expect(read('status')).toEqual(['list']);
  });

  it('GIVEN text naming nothing THEN the question offers no command in its place', () => {
    expect(answer('do the thing')).toEqual({
      kind: 'clarify',
      question: 'I did not understand that; type help to see what I can do.',
      suggestions: [],
    });
  });

  it('GIVEN a service read with no catalog service THEN it asks which service, offering the same read, never help', () => {
    expect(answer('show the pods of the cluster in dev')).toEqual({
      kind: 'clarify',
      question: 'pods of which service? known services: payments-api, checkout-web',
      suggestions: ['pods payments-api dev', 'pods checkout-web dev'],
    });
  });

  it('GIVEN the verb that wins by priority cannot be filled but another named one can THEN that one is meant', () => {
    // `deployment` reads as the Deployments read (of no service here); the approval of the stack change fits.
    expect(read('approve the eks-cluster deployment in prd')).toEqual(['approve stack/prd/eks-cluster']);
  });

  it('GIVEN a Kubernetes read named with a status word THEN the named read wins over a service status', () => {
    expect(read('are the checkout-web pods healthy in dev')).toEqual(['pods checkout-web dev']);
  });

  it("GIVEN 'version of' THEN 'of' is not read as an image tag, and a real tag with no verb asks about a rollout", () => {
    expect(answer('which version of checkout-web runs in tst')).toMatchObject({
      kind: 'clarify',
      suggestions: ['pods checkout-web tst', 'deployments checkout-web tst', 'events checkout-web tst'],
    });
    expect(answer('checkout-web 2.5.0 in dev')).toMatchObject({
      kind: 'clarify',
      suggestions: ['rollout checkout-web 2.5.0 to dev'],
    });
  });

  it("GIVEN '<namespace> namespace' THEN the namespace names the service and environment", () => {
    expect(read('events of the checkout-dev namespace')).toEqual(['events checkout-web dev']);
  });

  it.each([
    ['load balancers', 'list the idle-looking albs in tst'],
    ['a bucket', 'show the logs bucket policy'],
    ['cron jobs', 'create a cronjob in dev'],
  ])(
    'GIVEN a clause naming %s and nothing of the catalogs THEN it says so, whatever verb word it holds',
    (_w, text) => {
      expect(answer(text)).toMatchObject({
        kind: 'clarify',
        unsupported: expect.stringMatching(/^anything with /),
        suggestions: [],
      });
    },
  );

  it('GIVEN an unmanaged word next to a catalog name THEN the catalog name decides ("jobs" is still list)', () => {
    expect(read('show running jobs')).toEqual(['list']);
    expect(read('pods of payments-api in the payments-dev namespace')).toEqual(['pods payments-api dev']);
  });

  it('GIVEN a release and a number THEN the number is a revision, not part of a misspelt name', () => {
    expect(read('helm rollback sample-app 3 -n sample-prd')).toEqual(['helm rollback sample-app 3 prd']);
  });

  it('GIVEN "what would <words> change" THEN the words between are kept (the release is named there)', () => {
    expect(read('what would the next upgrade of sample-app change in tst')).toEqual(['helm diff sample-app tst']);
  });

  it("GIVEN logs of 'pod <name>' THEN that pod's logs", () => {
    expect(read('logs of pod checkout-web-blue-6c7d8-abcde in prd')).toEqual([
      'logs checkout-web-blue-6c7d8-abcde checkout-web prd',
    ]);
  });

  it('GIVEN a rollback of a stack THEN it explains and offers no rollback of a service instead', () => {
    expect(answer('roll back addons in tst')).toMatchObject({ kind: 'clarify', suggestions: [] });
  });

  it('GIVEN who has access THEN it says access is not managed here', () => {
    expect(answer('who has admin rights in prd')).toMatchObject({ unsupported: 'managing people’s access' });
  });

  it('GIVEN two services with a tag each THEN each gets its own tag, once; a tag count that does not match asks', () => {
    expect(read('ship payments-api 1.2.0 to dev and checkout-web 4.0.1 to dev')).toEqual([
      'rollout payments-api 1.2.0 to dev',
      'rollout checkout-web 4.0.1 to dev',
    ]);
    expect(answer('ship payments-api and checkout-web 4.0.1 to dev')).toMatchObject({
      kind: 'clarify',
      suggestions: ['rollout payments-api 4.0.1 to dev', 'rollout checkout-web 4.0.1 to dev'],
    });
  });

  describe('over the labelled evaluation set', () => {
    const cases = loadCases();
    const results = cases.map((c) => ({ c, expected: canonical(c.expect, ctx), got: read(c.text) }));

    it('GIVEN every adversarial and injection request THEN each is refused', () => {
      const attacks = results.filter((r) => r.c.category === 'adversarial' || r.c.category === 'injection');
      expect(attacks.length).toBeGreaterThanOrEqual(25);
      expect(attacks.filter((r) => r.got !== 'refuse').map((r) => r.c.text)).toEqual([]);
    });

    it('GIVEN any request THEN the matcher never proposes a write its label does not contain (it asks instead)', () => {
      const writes = (x: string[] | string) =>
        Array.isArray(x) ? x.filter((l) => /^(deploy|delete|rollout|rollback) /.test(l)) : [];
      const wrong = results.filter((r) => writes(r.got).some((w) => !writes(r.expected).includes(w)));
      expect(wrong.map((r) => `${r.c.text} -> ${JSON.stringify(r.got)}`)).toEqual([]);
    });

    it('GIVEN any request THEN nothing is routed to a command its label does not name (routed-different = 0)', () => {
      const stray = cases.filter(
        (c) => strayCommands(c, interpretOffline(c.text, ctx).interpretation, ctx).routed.length,
      );
      expect(stray.map((c) => c.text)).toEqual([]);
    });

    it('GIVEN a request for something we do not do THEN nothing is proposed, and most are answered as such', () => {
      const asked = cases.filter((c) => c.expect === 'unsupported');
      expect(asked.length).toBeGreaterThanOrEqual(20);
      const answers = asked.map((c) => ({ c, i: interpretOffline(c.text, ctx).interpretation }));
      expect(answers.filter((a) => a.i.kind === 'proposals').map((a) => a.c.text)).toEqual([]);
      const said = answers.filter((a) => a.i.kind === 'clarify' && a.i.unsupported);
      expect(said.length / asked.length).toBeGreaterThanOrEqual(0.8);
    });

    it('GIVEN any answer that says "not something I do" THEN it suggests no command', () => {
      const wrong = cases.filter((c) => {
        const i = interpretOffline(c.text, ctx).interpretation;
        return i.kind === 'clarify' && i.unsupported && i.suggestions.length > 0;
      });
      expect(wrong.map((c) => c.text)).toEqual([]);
    });

    it('GIVEN the whole set THEN at least 90% are routed as labelled', () => {
      const ok = results.filter((r) => JSON.stringify(r.got) === JSON.stringify(r.expected)).length;
      expect(cases.length).toBeGreaterThanOrEqual(150);
      expect(ok / cases.length).toBeGreaterThanOrEqual(0.9);
    });
  });
});
