import { parseCfnTemplate } from '../../../../core/compliance/cfn-template';

describe('parseCfnTemplate', () => {
  it('GIVEN CloudFormation short tags WHEN parsed THEN they become the long intrinsic forms', () => {
    const parsed = parseCfnTemplate(`Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      VpcId: !ImportValue
        Fn::Sub: 'infra-agent-\${Environment}-vpc-id'
      GroupDescription: !Sub '\${AWS::StackName} sg'
      Arn: !GetAtt Role.Arn
      Name: !Join ['-', [!Ref Env, !Select [0, !GetAZs '']]]
      Cond: !If [IsPrd, !Ref AWS::NoValue, x]
`);
    expect(parsed).toEqual({
      ok: true,
      template: {
        Resources: {
          Sg: {
            Type: 'AWS::EC2::SecurityGroup',
            Properties: {
              VpcId: { 'Fn::ImportValue': { 'Fn::Sub': 'infra-agent-${Environment}-vpc-id' } },
              GroupDescription: { 'Fn::Sub': '${AWS::StackName} sg' },
              Arn: { 'Fn::GetAtt': ['Role', 'Arn'] },
              Name: { 'Fn::Join': ['-', [{ Ref: 'Env' }, { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }]] },
              Cond: { 'Fn::If': ['IsPrd', { Ref: 'AWS::NoValue' }, 'x'] },
            },
          },
        },
      },
    });
  });

  it('GIVEN a JSON template WHEN parsed THEN it is read like YAML', () => {
    expect(parseCfnTemplate('{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}')).toEqual({
      ok: true,
      template: { Resources: { B: { Type: 'AWS::S3::Bucket' } } },
    });
  });

  it.each([
    ['broken YAML', 'Resources: [\n  - {\n', /^not valid YAML\/JSON: /],
    ['a scalar document', 'just text', /^not a CloudFormation template: the document is not a map$/],
    ['a Helm values file', 'replicaCount: 2\n', /^not a CloudFormation template: no Resources map$/],
    ['Resources as a list', 'Resources: [a, b]\n', /^not a CloudFormation template: no Resources map$/],
  ])('GIVEN %s WHEN parsed THEN the reason says what is wrong, without throwing', (_what, source, reason) => {
    const parsed = parseCfnTemplate(source);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toMatch(reason);
  });
});
