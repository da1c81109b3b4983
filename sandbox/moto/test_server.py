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
