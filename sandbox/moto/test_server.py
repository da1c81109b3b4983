"""pytest for sandbox/moto/server.py: deploy fixtures/added-types.yaml, check the resources through the
normal EC2 / EKS / IAM APIs, delete the stack, check they are gone.

Run: pytest sandbox/moto/test_server.py -q   (any python with pytest + boto3; the server itself runs on
MOTO_PYTHON, default: the sandbox venv at ~/.cache/infra-agent/venv, which holds the pinned moto)
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import json
import os

import boto3
import pytest

HERE = Path(__file__).resolve().parent
MOTO_PYTHON = os.environ.get("MOTO_PYTHON", str(Path.home() / ".cache/infra-agent/venv/bin/python"))
TEMPLATE = (HERE / "fixtures" / "added-types.yaml").read_text(encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def clients() -> Iterator[dict[str, Any]]:
    port = _free_port()
    proc = subprocess.Popen(
        [MOTO_PYTHON, str(HERE / "server.py"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("MOTO_EXT_LOG", os.devnull), "wb"),  # noqa: SIM115
    )
    kw = dict(
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                boto3.client("sts", **kw).get_caller_identity()
                break
            except Exception:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        yield {name: boto3.client(name, **kw) for name in ("cloudformation", "ec2", "eks", "iam", "elbv2")}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_deploy_check_delete(clients: dict[str, Any]) -> None:
    cfn, ec2, eks, iam = (clients[n] for n in ("cloudformation", "ec2", "eks", "iam"))
    cfn.create_stack(StackName="ext", TemplateBody=TEMPLATE)
    stack = cfn.describe_stacks(StackName="ext")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}

    acl = ec2.describe_network_acls(NetworkAclIds=[out["AclId"]])["NetworkAcls"][0]
    entries = {(e["Egress"], e["RuleNumber"]): e for e in acl["Entries"]}
    assert entries[(False, 90)]["RuleAction"] == "deny"
    assert entries[(False, 90)]["PortRange"] == {"From": 22, "To": 22}
    assert entries[(False, 100)]["Protocol"] == "6"
    assert entries[(True, 100)]["CidrBlock"] == "10.20.0.0/16"
    assert [a["NetworkAclAssociationId"] for a in acl["Associations"]] == [out["AclAssociationId"]]

    cluster = eks.describe_cluster(name="ext-test")["cluster"]
    assert cluster["arn"] == out["ClusterArn"]
    assert cluster["endpoint"] == out["ClusterEndpoint"]
    assert cluster["version"] == "1.32"
    assert cluster["resourcesVpcConfig"]["endpointPublicAccess"] is False
    assert cluster["resourcesVpcConfig"]["clusterSecurityGroupId"] == out["ClusterSecurityGroupId"]
    ng = eks.describe_nodegroup(clusterName="ext-test", nodegroupName="general")["nodegroup"]
    assert ng["scalingConfig"] == {"minSize": 2, "maxSize": 10, "desiredSize": 3}
    assert out["NodegroupRef"] == "ext-test/general"
    assert eks.list_addons(clusterName="ext-test")["addons"] == ["coredns", "vpc-cni"]
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=out["OidcProviderArn"])["ClientIDList"] == [
        "sts.amazonaws.com"
    ]
    vpc = ec2.describe_vpcs(VpcIds=[out["VpcId"]])["Vpcs"][0]
    assert "100.64.0.0/16" in [a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"]]

    cfn.delete_stack(StackName="ext")
    assert eks.list_clusters()["clusters"] == []
    # (moto's describe_network_acls has no "network-acl-id" filter, so list them all)
    assert out["AclId"] not in [a["NetworkAclId"] for a in ec2.describe_network_acls()["NetworkAcls"]]
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [out["VpcId"]]}])["Vpcs"] == []


def test_refuses_other_moto_version(tmp_path: Path) -> None:
    """The launcher patches moto internals, so it must refuse any moto but the pinned one."""
    fake = tmp_path / "moto"
    fake.mkdir()
    (fake / "__init__.py").write_text('__version__ = "0.0.1"\n', encoding="utf-8")
    result = subprocess.run(
        [MOTO_PYTHON, str(HERE / "server.py"), "-p", "1"],
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "moto 0.0.1 is installed" in result.stderr
    assert "refuses to run on another version" in result.stderr


KMS_AND_LOGS = """
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: {Version: '2012-10-17', Statement: []}
      Tags: [{Key: Name, Value: tagged-key}, {Key: Environment, Value: dev}]
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /pytest/encrypted
      RetentionInDays: 90
      KmsKeyId: !GetAtt Key.Arn
"""


def test_kms_key_tags_and_log_group_encryption(clients: dict[str, Any]) -> None:
    """moto raised KeyError 'TagKey' for standard KMS Tags (then HTML 500s) and dropped the log group KmsKeyId."""
    kw = clients["cloudformation"].meta
    kms = boto3.client("kms", endpoint_url=kw.endpoint_url, region_name=kw.region_name,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    logs = boto3.client("logs", endpoint_url=kw.endpoint_url, region_name=kw.region_name,
                        aws_access_key_id="testing", aws_secret_access_key="testing")
    cfn = clients["cloudformation"]
    cfn.create_stack(StackName="kms-tags", TemplateBody=KMS_AND_LOGS)
    assert cfn.describe_stacks(StackName="kms-tags")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    resources = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cfn.describe_stack_resources(StackName="kms-tags")["StackResources"]}
    tags = kms.list_resource_tags(KeyId=resources["Key"])["Tags"]
    assert tags == [{"TagKey": "Name", "TagValue": "tagged-key"}, {"TagKey": "Environment", "TagValue": "dev"}]
    group = logs.describe_log_groups(logGroupNamePrefix="/pytest/encrypted")["logGroups"][0]
    assert group["retentionInDays"] == 90
    assert group["kmsKeyId"] == kms.describe_key(KeyId=resources["Key"])["KeyMetadata"]["Arn"]
    cfn.delete_stack(StackName="kms-tags")
    assert [k["KeyId"] for k in kms.list_keys()["Keys"]] == []


def test_execute_change_set_twice_and_list_change_sets(clients: dict[str, Any]) -> None:
    cfn = clients["cloudformation"]
    body = "Resources:\n  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.9.0.0/16}}\n"
    for name in ("cs-a", "cs-b"):
        cfn.create_change_set(StackName=name, ChangeSetName="c1", ChangeSetType="CREATE", TemplateBody=body)
    cfn.execute_change_set(StackName="cs-a", ChangeSetName="c1")
    assert [c["StackName"] for c in cfn.list_change_sets(StackName="cs-a")["Summaries"]] == ["cs-a"]
    with pytest.raises(cfn.exceptions.InvalidChangeSetStatusException) as err:
        cfn.execute_change_set(StackName="cs-a", ChangeSetName="c1")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    for name in ("cs-a", "cs-b"):
        cfn.delete_stack(StackName=name)


def test_elbv2_duplicates_and_listener_checks(clients: dict[str, Any]) -> None:
    """elbv2_fixes.py: same-name load balancers and same-port listeners as in AWS; ModifyListener validated."""
    from concurrent.futures import ThreadPoolExecutor

    ec2, elb = clients["ec2"], clients["elbv2"]
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    ids = sorted(s["SubnetId"] for s in subnets)

    def create(_: int) -> str:
        lbs = elb.create_load_balancer(Name="dup-lb", Subnets=ids[:2], Scheme="internal")["LoadBalancers"]
        return str(lbs[0]["LoadBalancerArn"])

    with ThreadPoolExecutor(6) as pool:
        arns = set(pool.map(create, range(12)))
    assert len(arns) == 1
    assert len(elb.describe_load_balancers(Names=["dup-lb"])["LoadBalancers"]) == 1
    with pytest.raises(elb.exceptions.DuplicateLoadBalancerNameException):
        elb.create_load_balancer(Name="dup-lb", Subnets=ids[1:3], Scheme="internal")

    lb = arns.pop()
    tg = elb.create_target_group(Name="dup-tg", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    action = [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": tg_arn, "Weight": 100}]}}]
    first = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=action)
    again = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=action)
    assert first["Listeners"][0]["ListenerArn"] == again["Listeners"][0]["ListenerArn"]
    fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}]
    with pytest.raises(elb.exceptions.DuplicateListenerException):
        elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=fixed)
    assert len(elb.describe_listeners(LoadBalancerArn=lb)["Listeners"]) == 1

    listener = first["Listeners"][0]["ListenerArn"]
    unknown = tg_arn.replace("dup-tg", "nope")
    with pytest.raises(elb.exceptions.TargetGroupNotFoundException):
        elb.modify_listener(
            ListenerArn=listener,
            DefaultActions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": unknown}]}}],
        )
    with pytest.raises(elb.exceptions.ClientError, match="between 0 and 999"):
        elb.modify_listener(
            ListenerArn=listener,
            DefaultActions=[
                {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": tg_arn, "Weight": 1000}]}}
            ],
        )


REVERT_TEMPLATE = """
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: revert drift
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.100.0.0/16, Description: HTTPS from the VPN}
      Tags: [{Key: Owner, Value: platform-team}]
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /pytest/revert-drift
      RetentionInDays: 90
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: pytest-revert-drift
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: read-logs
          PolicyDocument:
            Version: '2012-10-17'
            Statement: [{Effect: Allow, Action: [logs:GetLogEvents], Resource: '*'}]
"""


def _drift_status(cfn: Any, stack: str) -> str:
    detection = cfn.detect_stack_drift(StackName=stack)["StackDriftDetectionId"]
    for _ in range(100):
        status = cfn.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
        if status["DetectionStatus"] != "DETECTION_IN_PROGRESS":
            return str(status["StackDriftStatus"])
        time.sleep(0.1)
    raise AssertionError("drift detection did not finish")


def test_revert_drift_change_set(clients: dict[str, Any]) -> None:
    """CreateChangeSet DeploymentMode=REVERT_DRIFT lists the drifted resources with their property paths; executing
    it puts the live resources back to the template (rules, tags, retention, inline policies); drift is IN_SYNC."""
    cfn, ec2, iam = clients["cloudformation"], clients["ec2"], clients["iam"]
    kw = cfn.meta
    logs = boto3.client("logs", endpoint_url=kw.endpoint_url, region_name=kw.region_name,
                        aws_access_key_id="testing", aws_secret_access_key="testing")
    cfn.create_stack(StackName="revert", TemplateBody=REVERT_TEMPLATE, Capabilities=["CAPABILITY_NAMED_IAM"])
    resources = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cfn.describe_stack_resources(StackName="revert")["StackResources"]}
    group = resources["Group"]

    # nothing drifted: AWS's "didn't contain changes"
    cfn.create_change_set(StackName="revert", ChangeSetName="clean", ChangeSetType="UPDATE",
                          UsePreviousTemplate=True, DeploymentMode="REVERT_DRIFT")
    clean = cfn.describe_change_set(StackName="revert", ChangeSetName="clean")
    assert clean["Status"] == "FAILED" and "didn't contain changes" in clean["StatusReason"]
    cfn.delete_change_set(StackName="revert", ChangeSetName="clean")

    # out-of-band changes through the ordinary APIs
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.delete_tags(Resources=[group], Tags=[{"Key": "Owner"}])
    logs.put_retention_policy(logGroupName="/pytest/revert-drift", retentionInDays=1)
    iam.put_role_policy(RoleName="pytest-revert-drift", PolicyName="read-logs", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:*"], "Resource": "*"}]}))
    assert _drift_status(cfn, "revert") == "DRIFTED"

    cfn.create_change_set(StackName="revert", ChangeSetName="fix", ChangeSetType="UPDATE",
                          UsePreviousTemplate=True, DeploymentMode="REVERT_DRIFT")
    described = cfn.describe_change_set(StackName="revert", ChangeSetName="fix")
    assert described["Status"] == "CREATE_COMPLETE" and described["ExecutionStatus"] == "AVAILABLE"
    assert described["DeploymentMode"] == "REVERT_DRIFT"
    changes = {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in described["Changes"]}
    assert sorted(changes) == ["Group", "Logs", "Role"]
    assert all(c["Action"] == "Modify" and c["ResourceDriftStatus"] == "MODIFIED" for c in changes.values())
    paths = {c: sorted(d["Target"]["Path"] for d in changes[c]["Details"]) for c in changes}
    assert paths["Group"] == ["/SecurityGroupIngress/1", "/Tags/0"]
    assert paths["Logs"] == ["/RetentionInDays"]
    assert paths["Role"][0].startswith("/Policies/0/PolicyDocument/Statement/0/Action/")
    ingress = next(d["Target"] for d in changes["Group"]["Details"] if d["Target"]["Path"] == "/SecurityGroupIngress/1")
    assert ingress["AttributeChangeType"] == "Remove" and ingress["BeforeValueFrom"] == "ACTUAL_STATE"
    assert '"FromPort":22' in ingress["BeforeValue"] and ingress["AfterValue"] == "null"
    assert changes["Group"]["PhysicalResourceId"] == group

    cfn.execute_change_set(StackName="revert", ChangeSetName="fix")
    assert cfn.describe_stacks(StackName="revert")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert cfn.describe_change_set(StackName="revert", ChangeSetName="fix")["ExecutionStatus"] == "EXECUTE_COMPLETE"
    rules = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    assert [(p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in rules["IpPermissions"]] == [(443, "10.100.0.0/16")]
    assert {t["Key"]: t["Value"] for t in rules.get("Tags", [])}.get("Owner") == "platform-team"
    assert logs.describe_log_groups(logGroupNamePrefix="/pytest/revert-drift")["logGroups"][0]["retentionInDays"] == 90
    document = iam.get_role_policy(RoleName="pytest-revert-drift", PolicyName="read-logs")["PolicyDocument"]
    assert document["Statement"][0]["Action"] == ["logs:GetLogEvents"]
    assert _drift_status(cfn, "revert") == "IN_SYNC"
    # the template stays what was deployed; a second execute is refused as in AWS (the product treats it as done)
    assert cfn.get_template(StackName="revert")["TemplateBody"] == REVERT_TEMPLATE
    with pytest.raises(cfn.exceptions.InvalidChangeSetStatusException):
        cfn.execute_change_set(StackName="revert", ChangeSetName="fix")
    cfn.delete_stack(StackName="revert")


def test_revert_drift_refuses_what_it_cannot_revert(clients: dict[str, Any]) -> None:
    """A drifted resource the sandbox cannot put back (a deleted log group) fails the change set with the reason."""
    cfn = clients["cloudformation"]
    kw = cfn.meta
    logs = boto3.client("logs", endpoint_url=kw.endpoint_url, region_name=kw.region_name,
                        aws_access_key_id="testing", aws_secret_access_key="testing")
    body = "Resources:\n  Logs: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: /pytest/gone, RetentionInDays: 7}}\n"
    cfn.create_stack(StackName="revert-gone", TemplateBody=body)
    logs.delete_log_group(logGroupName="/pytest/gone")
    cfn.create_change_set(StackName="revert-gone", ChangeSetName="fix", ChangeSetType="UPDATE",
                          UsePreviousTemplate=True, DeploymentMode="REVERT_DRIFT")
    described = cfn.describe_change_set(StackName="revert-gone", ChangeSetName="fix")
    assert described["Status"] == "FAILED"
    assert "Logs (AWS::Logs::LogGroup) was deleted outside CloudFormation" in described["StatusReason"]
    with pytest.raises(cfn.exceptions.ClientError, match="different template"):
        cfn.create_change_set(StackName="revert-gone", ChangeSetName="other", ChangeSetType="UPDATE",
                              TemplateBody=body.replace("7", "14"), DeploymentMode="REVERT_DRIFT")
