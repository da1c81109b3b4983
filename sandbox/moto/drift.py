"""CloudFormation drift detection for the moto sandbox, shaped like AWS's.

moto 5.2.5 has no drift API. `server.py` answers DetectStackDrift / DescribeStackDriftDetectionStatus /
DescribeStackResourceDrifts / DetectStackResourceDrift with what this module computes:

* the *expected* properties are the resolved template properties recorded when the resource was created or
  updated (`record_expected_properties` wraps moto's create/update parsers), i.e. the template as deployed;
* the *actual* properties are read back from moto's service backends in template terms, one reader per
  resource type (`NATIVE_READERS` for moto's own models; the extension's models answer `live_properties`);
* only properties the template sets are compared, as AWS does. Lists that AWS treats as sets (security group
  rules, policy actions, managed policy ARNs) are matched item by item; `Tags` and `Policies` by their key;
  other lists by position. Differences are ADD (an item the template does not have), REMOVE (a template
  item or property that is gone) or NOT_EQUAL, with JSON-pointer paths (`/SecurityGroupIngress/1`,
  `/Policies/0/PolicyDocument/Statement/0/Action/2`). Tags whose key starts with `aws:` are left out of the
  actual properties, as AWS leaves out its own tags.

Detection is asynchronous as in AWS: DescribeStackDriftDetectionStatus says DETECTION_IN_PROGRESS until
`MOTO_DRIFT_DETECTION_SECONDS` (default 0.3) have passed since DetectStackDrift; the result is computed when
detection starts.
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable

from moto.cloudformation import parsing as cfn_parsing
from moto.ec2.models import ec2_backends
from moto.iam.models import iam_backends
from moto.kms import models as kms_models
from moto.logs import models as logs_models
from moto.utilities.utils import get_partition

MISSING = object()

# Lists AWS compares as unordered sets of values (the key is the property name holding the list).
SET_LISTS = frozenset(
    {
        "SecurityGroupIngress",
        "SecurityGroupEgress",
        "ManagedPolicyArns",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "SubnetIds",
        "SecurityGroupIds",
        "InstanceTypes",
    }
)
# Lists of objects matched by one identifying field.
KEYED_LISTS = {"Tags": "Key", "Policies": "PolicyName"}


# ----------------------------------------------------------------------------------------------
# expected properties: the resolved template, recorded at create/update time
# ----------------------------------------------------------------------------------------------


def _record(resource: Any, resource_json: dict[str, Any], resources_map: Any) -> None:
    if resource is None or isinstance(resource, str):
        return
    try:
        resolved = cfn_parsing.clean_json(resource_json.get("Properties") or {}, resources_map)
    except Exception:  # noqa: BLE001 - unresolvable now: drift then says NOT_CHECKED with the reason
        resolved = None
    try:
        resource.sandbox_expected = resolved
    except AttributeError:  # pragma: no cover - a model with __slots__
        pass


def record_expected_properties(complete_create: Callable[[Any, dict[str, Any], str, str], None]) -> None:
    """Wrap moto's create/update resource parsers (after cfn_engine installed its own wrappers).

    `complete_create(resource, resolved properties, account, region)` runs after each create: server.py
    applies there what moto's own models drop, so the live state starts equal to the template.
    """
    create = cfn_parsing.parse_and_create_resource
    update = cfn_parsing.parse_and_update_resource

    def parse_and_create_resource(
        logical_id: str, resource_json: Any, resources_map: Any, account_id: str, region_name: str
    ) -> Any:
        resource = create(logical_id, resource_json, resources_map, account_id, region_name)
        _record(resource, resource_json, resources_map)
        expected = getattr(resource, "sandbox_expected", None)
        if expected and not isinstance(resource, str):
            complete_create(resource, expected, account_id, region_name)
        return resource

    def parse_and_update_resource(logical_id: str, resource_json: Any, resources_map: Any, *a: Any, **k: Any) -> Any:
        resource = update(logical_id, resource_json, resources_map, *a, **k)
        _record(resource, resource_json, resources_map)
        return resource

    cfn_parsing.parse_and_create_resource = parse_and_create_resource
    cfn_parsing.parse_and_update_resource = parse_and_update_resource


def expected_properties(resource: Any) -> dict[str, Any] | None:
    found = getattr(resource, "sandbox_expected", None)
    if found is None:
        found = getattr(resource, "cfn_properties", None)
    return found if isinstance(found, dict) else None


# ----------------------------------------------------------------------------------------------
# comparison
# ----------------------------------------------------------------------------------------------


def _norm(value: Any) -> Any:
    """Canonical form: templates say `6` / `true` where the live API says "6" / True; documents may be strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def _canon(value: Any) -> str:
    """A key for set comparison: normalised, lists of scalars sorted, dicts key-sorted."""

    def walk(v: Any) -> Any:
        v = _norm(v)
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            items = [walk(x) for x in v]
            if all(not isinstance(x, (dict, list)) for x in items):
                return sorted(items, key=str)
            return items
        return v

    return json.dumps(walk(value), sort_keys=True)


def render(value: Any) -> str:
    """PropertyDifference values are strings: scalars as they are, objects/lists as compact JSON, None as null."""
    if value is None or value is MISSING:
        return "null"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)
    return str(_norm(value))


def _difference(path: str, expected: Any, actual: Any, kind: str) -> dict[str, str]:
    return {
        "PropertyPath": path,
        "ExpectedValue": render(expected),
        "ActualValue": render(actual),
        "DifferenceType": kind,
    }


def compare(path: str, name: str, expected: Any, actual: Any, out: list[dict[str, str]]) -> None:
    """Append the differences between the template's value and the live one (only where the template speaks)."""
    if actual is MISSING or (actual is None and expected is not None):
        out.append(_difference(path, expected, None, "REMOVE"))
        return
    if isinstance(expected, str) and isinstance(actual, (dict, list)):
        try:  # a JSON document given as a string (policies)
            expected = json.loads(expected)
        except ValueError:
            pass
    if isinstance(actual, str) and isinstance(expected, (dict, list)):
        try:
            actual = json.loads(actual)
        except ValueError:
            pass
    if isinstance(expected, list) and not isinstance(actual, list):
        actual = [actual]
    if isinstance(actual, list) and not isinstance(expected, (list, dict)):
        expected = [expected]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            out.append(_difference(path, expected, actual, "NOT_EQUAL"))
            return
        for key, value in expected.items():
            compare(f"{path}/{key}", key, value, actual.get(key, MISSING), out)
        return
    if isinstance(expected, list):
        _compare_list(path, name, expected, actual, out)
        return
    if _norm(expected) != _norm(actual):
        out.append(_difference(path, expected, actual, "NOT_EQUAL"))


def _compare_list(path: str, name: str, expected: list[Any], actual: list[Any], out: list[dict[str, str]]) -> None:
    if name in KEYED_LISTS:
        field = KEYED_LISTS[name]
        by_key = {str(a.get(field)): (j, a) for j, a in enumerate(actual) if isinstance(a, dict)}
        seen: set[str] = set()
        for i, e in enumerate(expected):
            key = str(e.get(field)) if isinstance(e, dict) else str(e)
            if key not in by_key:
                out.append(_difference(f"{path}/{i}", e, None, "REMOVE"))
                continue
            seen.add(key)
            compare(f"{path}/{i}", "", e, by_key[key][1], out)
        for key, (j, a) in by_key.items():
            if key not in seen:
                out.append(_difference(f"{path}/{j}", None, a, "ADD"))
        return
    if name in SET_LISTS or all(not isinstance(v, (dict, list)) for v in expected + actual):
        remaining = [_canon(a) for a in actual]
        matched_actual: set[int] = set()
        for i, e in enumerate(expected):
            key = _canon(e)
            hit = next((j for j, k in enumerate(remaining) if k == key and j not in matched_actual), None)
            if hit is None:
                out.append(_difference(f"{path}/{i}", e, None, "REMOVE"))
            else:
                matched_actual.add(hit)
        for j, a in enumerate(actual):
            if j not in matched_actual:
                out.append(_difference(f"{path}/{j}", None, a, "ADD"))
        return
    for i in range(max(len(expected), len(actual))):
        if i >= len(actual):
            out.append(_difference(f"{path}/{i}", expected[i], None, "REMOVE"))
        elif i >= len(expected):
            out.append(_difference(f"{path}/{i}", None, actual[i], "ADD"))
        else:
            compare(f"{path}/{i}", "", expected[i], actual[i], out)


# ----------------------------------------------------------------------------------------------
# live readers for moto's own models: the live resource in template terms, None when it is gone
# ----------------------------------------------------------------------------------------------

Reader = Callable[[Any, str, str], "dict[str, Any] | None"]


def _ec2(account_id: str, region_name: str) -> Any:
    return ec2_backends[account_id][region_name]


def _ec2_tags(backend: Any, resource_id: str) -> list[dict[str, str]]:
    tags = backend.describe_tags(filters={"resource-id": [resource_id]})
    return [{"Key": t["key"], "Value": t["value"]} for t in tags if not str(t["key"]).startswith("aws:")]


def _tag_dict_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items() if not str(k).startswith("aws:")]


def _vpc(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = _ec2(account_id, region_name)
    vpc = backend.vpcs.get(model.id)
    if vpc is None:
        return None
    return {
        "CidrBlock": vpc.cidr_block,
        "EnableDnsHostnames": vpc.enable_dns_hostnames,
        "EnableDnsSupport": vpc.enable_dns_support,
        "InstanceTenancy": vpc.instance_tenancy,
        "Tags": _ec2_tags(backend, vpc.id),
    }


def _subnet(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = _ec2(account_id, region_name)
    try:
        subnet = backend.get_subnet(model.id)
    except Exception:  # noqa: BLE001 - InvalidSubnetID.NotFound
        return None
    return {
        "VpcId": subnet.vpc_id,
        "CidrBlock": subnet.cidr_block,
        "AvailabilityZone": subnet.availability_zone,
        "MapPublicIpOnLaunch": subnet.map_public_ip_on_launch,
        "Tags": _ec2_tags(backend, subnet.id),
    }


def sg_rule_properties(rule: Any, peer_key: str) -> dict[str, Any]:
    """One moto rule (one CIDR or one peer group each) as a template rule."""
    out: dict[str, Any] = {"IpProtocol": rule.ip_protocol}
    if rule.ip_protocol not in ("-1", None):
        out["FromPort"] = rule.from_port
        out["ToPort"] = rule.to_port
    if rule.ip_range.get("CidrIp"):
        out["CidrIp"] = rule.ip_range["CidrIp"]
    if rule.ip_range.get("CidrIpv6"):
        out["CidrIpv6"] = rule.ip_range["CidrIpv6"]
    if rule.source_group.get("GroupId"):
        out[peer_key] = rule.source_group["GroupId"]
    if rule.prefix_list_id:
        out["DestinationPrefixListId" if peer_key.startswith("Destination") else "SourcePrefixListId"] = (
            rule.prefix_list_id
        )
    description = rule.ip_range.get("Description") or rule.source_group.get("Description")
    if description:
        out["Description"] = description
    return out


def _standalone_rule_ids() -> set[str]:
    """Rules created by AWS::EC2::SecurityGroupIngress/Egress resources: AWS does not count them as drift of
    the group they were added to."""
    from moto.cloudformation.models import cloudformation_backends

    ids: set[str] = set()
    for regions in cloudformation_backends.values():
        for backend in regions.values():
            for stack in list(backend.stacks.values()):
                resources = getattr(stack.resource_map, "_parsed_resources", {})
                for resource in list(resources.values()):
                    if getattr(resource, "cf_resource_type", "") in (
                        "AWS::EC2::SecurityGroupIngress",
                        "AWS::EC2::SecurityGroupEgress",
                    ):
                        ids.add(getattr(resource, "physical_resource_id", ""))
    return ids


def _security_group(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = _ec2(account_id, region_name)
    group = backend.get_security_group_from_id(model.id)
    if group is None:
        return None
    standalone = _standalone_rule_ids()
    return {
        "GroupDescription": group.description,
        "GroupName": group.name,
        "VpcId": group.vpc_id,
        "SecurityGroupIngress": [
            sg_rule_properties(r, "SourceSecurityGroupId") for r in group.ingress_rules if r.id not in standalone
        ],
        "SecurityGroupEgress": [
            sg_rule_properties(r, "DestinationSecurityGroupId") for r in group.egress_rules if r.id not in standalone
        ],
        "Tags": _ec2_tags(backend, group.id),
    }


def _route_table(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = _ec2(account_id, region_name)
    table = backend.route_tables.get(model.id)
    if table is None:
        return None
    return {"VpcId": table.vpc_id, "Tags": _ec2_tags(backend, table.id)}


def _route(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = _ec2(account_id, region_name)
    table = backend.route_tables.get(model.route_table.id)
    route = table._routes.get(model.id) if table is not None else None
    if route is None:
        return None
    out: dict[str, Any] = {"RouteTableId": table.id, "DestinationCidrBlock": route.destination_cidr_block}
    if route.gateway is not None:
        out["GatewayId"] = route.gateway.id
    if route.nat_gateway is not None:
        out["NatGatewayId"] = route.nat_gateway.id
    if route.destination_ipv6_cidr_block:
        out["DestinationIpv6CidrBlock"] = route.destination_ipv6_cidr_block
    return out


def _internet_gateway(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = _ec2(account_id, region_name)
    igw = backend.internet_gateways.get(model.id)
    return None if igw is None else {"Tags": _ec2_tags(backend, igw.id)}


def _gateway_attachment(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = _ec2(account_id, region_name)
    igw_id, _vgw_id = getattr(model, "sandbox_gateway", (None, None))
    igw = backend.internet_gateways.get(igw_id) if igw_id else None
    if igw is None or igw.vpc is None or igw.vpc.id != model.vpc_id:
        return None
    return {"VpcId": igw.vpc.id, "InternetGatewayId": igw.id}


def _subnet_route_table_association(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = _ec2(account_id, region_name)
    table = backend.route_tables.get(model.route_table_id)
    association_id = getattr(model, "association_id", None)
    if table is None or association_id not in table._associations:
        return None
    return {"RouteTableId": table.id, "SubnetId": table._associations[association_id]}


def _eip(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = _ec2(account_id, region_name)
    found = [a for a in backend.addresses if a.allocation_id == model.allocation_id]
    if not found:
        return None
    return {"Domain": found[0].domain, "Tags": _ec2_tags(backend, found[0].allocation_id)}


def _nat_gateway(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = _ec2(account_id, region_name)
    nat = backend.nat_gateways.get(model.id)
    if nat is None or nat.state in ("deleted", "deleting"):
        return None
    allocation = nat.address_set[0].get("allocationId") if nat.address_set else None
    return {
        "SubnetId": nat.subnet_id,
        "AllocationId": allocation,
        "ConnectivityType": nat.connectivity_type,
        "Tags": _ec2_tags(backend, nat.id),
    }


def _flow_log(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = _ec2(account_id, region_name)
    flow = backend.flow_logs.get(model.id)
    if flow is None:
        return None
    resource_type = {"vpc": "VPC", "subnet": "Subnet", "eni": "NetworkInterface"}.get(
        flow.resource_id.split("-")[0], "VPC"
    )
    out: dict[str, Any] = {
        "ResourceId": flow.resource_id,
        "ResourceType": resource_type,
        "TrafficType": flow.traffic_type,
        "LogDestinationType": flow.log_destination_type,
        "MaxAggregationInterval": flow.max_aggregation_interval,
        "Tags": _ec2_tags(backend, flow.id),
    }
    if flow.log_group_name:
        out["LogGroupName"] = flow.log_group_name
    if flow.log_destination:
        out["LogDestination"] = flow.log_destination
    if flow.deliver_logs_permission_arn:
        out["DeliverLogsPermissionArn"] = flow.deliver_logs_permission_arn
    if flow.log_format:
        out["LogFormat"] = flow.log_format
    return out


def _iam_role(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = iam_backends[account_id][get_partition(region_name)]
    role = backend.roles.get(model.id)
    if role is None:
        return None

    def doc(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    out: dict[str, Any] = {
        "RoleName": role.name,
        "Path": role.path,
        "AssumeRolePolicyDocument": doc(role.assume_role_policy_document),
        "ManagedPolicyArns": sorted(role.managed_policies.keys()),
        "Policies": [{"PolicyName": name, "PolicyDocument": doc(d)} for name, d in role.policies.items()],
        "Tags": _tag_dict_list(
            {t["Key"]: t["Value"] for t in (role.tags.values() if isinstance(role.tags, dict) else role.tags)}
        ),
        "MaxSessionDuration": role.max_session_duration,
    }
    if role.description:
        out["Description"] = role.description
    if role.permissions_boundary_arn:
        out["PermissionsBoundary"] = role.permissions_boundary_arn
    return out


def _kms_key(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = kms_models.kms_backends[account_id][region_name]
    key = backend.keys.get(model.id)
    if key is None or key.key_state == "PendingDeletion":
        return None
    tags = backend.list_resource_tags(key.id).get("Tags", [])
    return {
        "Description": key.description,
        "Enabled": key.enabled,
        "EnableKeyRotation": key.key_rotation_status,
        "KeyPolicy": json.loads(key.policy) if isinstance(key.policy, str) else key.policy,
        "KeyUsage": key.key_usage,
        "KeySpec": key.key_spec,
        "MultiRegion": key.multi_region,
        "Tags": _tag_dict_list({t["TagKey"]: t["TagValue"] for t in tags}),
    }


def _kms_alias(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = kms_models.kms_backends[account_id][region_name]
    for key in backend.keys.values():
        if model.alias_name in key.aliases:
            # the template names the key by id (Ref) or ARN (GetAtt Arn); AWS compares the key either way
            wanted = str((expected_properties(model) or {}).get("TargetKeyId", ""))
            return {"AliasName": model.alias_name, "TargetKeyId": key.arn if wanted.startswith("arn:") else key.id}
    return None


def _launch_template(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    template = _ec2(account_id, region_name).launch_templates.get(model.id)
    if template is None:
        return None
    version = template.get_version(template.default_version_number)
    return {"LaunchTemplateName": template.name, "LaunchTemplateData": version.data}


def _log_group(model: Any, account_id: str, region_name: str) -> dict[str, Any] | None:
    backend = logs_models.logs_backends[account_id][region_name]
    group = backend.groups.get(model.name)
    if group is None:
        return None
    out: dict[str, Any] = {
        "LogGroupName": group.name,
        "Tags": _tag_dict_list(backend.list_tags_for_resource(group.arn)),
    }
    if group.retention_in_days is not None:
        out["RetentionInDays"] = group.retention_in_days
    if group.kms_key_id:
        out["KmsKeyId"] = group.kms_key_id
    return out


NATIVE_READERS: dict[str, Reader] = {
    "AWS::EC2::VPC": _vpc,
    "AWS::EC2::Subnet": _subnet,
    "AWS::EC2::SecurityGroup": _security_group,
    "AWS::EC2::RouteTable": _route_table,
    "AWS::EC2::Route": _route,
    "AWS::EC2::InternetGateway": _internet_gateway,
    "AWS::EC2::VPCGatewayAttachment": _gateway_attachment,
    "AWS::EC2::SubnetRouteTableAssociation": _subnet_route_table_association,
    "AWS::EC2::EIP": _eip,
    "AWS::EC2::NatGateway": _nat_gateway,
    "AWS::EC2::FlowLog": _flow_log,
    "AWS::IAM::Role": _iam_role,
    "AWS::KMS::Key": _kms_key,
    "AWS::KMS::Alias": _kms_alias,
    "AWS::EC2::LaunchTemplate": _launch_template,
    "AWS::Logs::LogGroup": _log_group,
}


def detection_delay_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("MOTO_DRIFT_DETECTION_SECONDS", "0.3")))
    except ValueError:
        return 0.3
