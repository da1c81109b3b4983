import { findMissingTags } from '../../../../core/compliance/mandatory-tags';
import type { CfnTemplate } from '../../../../core/compliance/cfn-template';

const all = [
  { Key: 'Environment', Value: 'dev' },
  { Key: 'Owner', Value: 'team' },
  { Key: 'SecurityLevel', Value: 'high' },
  { Key: 'IaC_Version', Value: { Ref: 'IaCVersion' } },
];
const without = (key: string): typeof all => all.filter((t) => t.Key !== key);

describe('findMissingTags', () => {
  it('GIVEN fully tagged list, map and launch-template resources WHEN checked THEN nothing is missing', () => {
    const template: CfnTemplate = {
      Resources: {
        Vpc: { Type: 'AWS::EC2::VPC', Properties: { Tags: all } },
        Ng: { Type: 'AWS::EKS::Nodegroup', Properties: { Tags: { Environment: 'dev', Owner: 'o', SecurityLevel: 'h', IaC_Version: 'x' } } },
        Lt: {
          Type: 'AWS::EC2::LaunchTemplate',
          Properties: { TagSpecifications: [{ ResourceType: 'launch-template', Tags: all }], LaunchTemplateData: { TagSpecifications: [{ ResourceType: 'instance', Tags: all }] } },
        },
        Route: { Type: 'AWS::EC2::Route', Properties: {} },
      },
    };
    expect(findMissingTags(template)).toEqual([]);
  });

  it('GIVEN resources each missing something WHEN checked THEN each missing key is reported where it was expected', () => {
    const template: CfnTemplate = {
      Resources: {
        Vpc: { Type: 'AWS::EC2::VPC', Properties: { Tags: without('Owner') } },
        Key: { Type: 'AWS::KMS::Key', Properties: {} },
        Ng: { Type: 'AWS::EKS::Nodegroup', Properties: { Tags: { Environment: 'dev', Owner: 'o', IaC_Version: 'x' } } },
        Lt: { Type: 'AWS::EC2::LaunchTemplate', Properties: { TagSpecifications: [{ ResourceType: 'launch-template', Tags: all }], LaunchTemplateData: {} } },
      },
    };
    expect(findMissingTags(template)).toEqual([
      { resource: 'Vpc', type: 'AWS::EC2::VPC', missing: ['Owner'], where: 'Tags' },
      { resource: 'Key', type: 'AWS::KMS::Key', missing: ['Environment', 'Owner', 'SecurityLevel', 'IaC_Version'], where: 'Tags' },
      { resource: 'Ng', type: 'AWS::EKS::Nodegroup', missing: ['SecurityLevel'], where: 'Tags' },
      {
        resource: 'Lt',
        type: 'AWS::EC2::LaunchTemplate',
        missing: ['Environment', 'Owner', 'SecurityLevel', 'IaC_Version'],
        where: 'LaunchTemplateData.TagSpecifications',
      },
    ]);
  });
});
