/**
 * Which CloudFormation resource types must carry the mandatory tags (CM-8), and how each takes its tags.
 * A fixed list of the types this project deploys or is likely to, all of which accept `Tags` in
 * CloudFormation; the CM-8 guard rule lists the same types (a test keeps the two lists equal). Types missing
 * here are not checked, so add a type when a template starts to use it.
 */
export const TAGGABLE_LIST_TYPES: readonly string[] = [
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
  'AWS::EC2::InternetGateway',
  'AWS::EC2::NatGateway',
  'AWS::EC2::EIP',
  'AWS::EC2::RouteTable',
  'AWS::EC2::NetworkAcl',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::FlowLog',
  'AWS::EC2::Instance',
  'AWS::EC2::Volume',
  'AWS::EC2::VPCEndpoint',
  'AWS::KMS::Key',
  'AWS::Logs::LogGroup',
  'AWS::IAM::Role',
  'AWS::IAM::OIDCProvider',
  'AWS::EKS::Cluster',
  'AWS::EKS::Addon',
  'AWS::S3::Bucket',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBSubnetGroup',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::SecretsManager::Secret',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::Lambda::Function',
  'AWS::DynamoDB::Table',
  'AWS::ECR::Repository',
];

/** Types whose `Tags` property is a key/value map rather than a list of `{Key, Value}`. */
export const TAGGABLE_MAP_TYPES: readonly string[] = ['AWS::EKS::Nodegroup'];

/** Types tagged through `TagSpecifications` (the template itself and what it launches). */
export const TAG_SPECIFICATION_TYPES: readonly string[] = ['AWS::EC2::LaunchTemplate'];
