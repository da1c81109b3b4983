#!/usr/bin/env python3
"""Launcher for moto_server with CloudFormation support for resource types moto lacks.

Usage (same CLI as ``moto_server``): ``python sandbox/moto/server.py -H 127.0.0.1 -p 5000``

moto's CloudFormation engine (moto/cloudformation/parsing.py) maps a template's ``Type`` string to a
model class by looking at ``CloudFormationModel.__subclasses__()``; a type without such a class is
skipped with only a log warning. This module defines, for every type our templates need and moto 5.2.5
does not handle, a direct subclass of ``CloudFormationModel`` that delegates to moto's own service
backends (ec2_backends, eks_backends, iam_backends). The resources therefore exist in the same state
the ordinary EC2 / EKS / IAM APIs read from; nothing is faked on the side.

It also adds the EKS add-on API (CreateAddon, DescribeAddon, ListAddons, DeleteAddon, UpdateAddon),
which moto 5.2.5 does not implement at all, so that AWS::EKS::Addon has somewhere real to live.

Everything here relies on moto internals, so the launcher refuses to run with any moto version other
than MOTO_VERSION from sandbox/versions.env. See sandbox/moto/README.md.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

VERSIONS_ENV = Path(__file__).resolve().parent.parent / "versions.env"


def pinned_moto_version() -> str:
    """Read MOTO_VERSION from sandbox/versions.env (KEY=VALUE lines, '#' comments)."""
    for raw in VERSIONS_ENV.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("MOTO_VERSION="):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise SystemExit(f"sandbox/moto/server.py: MOTO_VERSION is not set in {VERSIONS_ENV}")


def assert_moto_version() -> None:
    import moto

    wanted = pinned_moto_version()
    if moto.__version__ != wanted:
        raise SystemExit(
            f"sandbox/moto/server.py: moto {moto.__version__} is installed ({moto.__file__}), but this "
            f"extension is written against moto {wanted} (MOTO_VERSION in {VERSIONS_ENV}). It patches moto "
            f"internals, so it refuses to run on another version. Install moto[server]=={wanted}."
        )


# The version check must happen before anything below touches moto internals.
assert_moto_version()

from moto.cloudformation import parsing as cfn_parsing  # noqa: E402
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError  # noqa: E402
from moto.core.common_models import CloudFormationModel  # noqa: E402
from moto.core.utils import utcnow  # noqa: E402
from moto.ec2.models import ec2_backends  # noqa: E402
from moto.ec2.models.core import TaggedEC2Resource  # noqa: E402
from moto.ec2.models.security_groups import SecurityGroup  # noqa: E402
from moto.eks import models as eks_models  # noqa: E402
from moto.eks import urls as eks_urls  # noqa: E402
from moto.eks.exceptions import ResourceInUseException, ResourceNotFoundException  # noqa: E402
from moto.eks.responses import EKSResponse  # noqa: E402
from moto.iam.models import Role as IamRole  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402
from moto.utilities.utils import get_partition  # noqa: E402

# Fixes to moto's CloudFormation engine and some of moto's own models (a sibling module, see its docstring).
sys.path.insert(0, str(Path(__file__).resolve().parent))
import cfn_engine  # noqa: E402
import cost_explorer  # noqa: E402
import drift  # noqa: E402
import elbv2_fixes  # noqa: E402

# ----------------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------------


def _bool(value: Any, default: bool = False) -> bool:
    """CloudFormation booleans arrive as YAML/JSON booleans or as the strings 'true'/'false'."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _tag_list_to_dict(tags: Any) -> dict[str, str]:
    """CloudFormation `Tags: [{Key, Value}]` -> EKS-style `{key: value}` (maps are passed through)."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t["Key"]): str(t["Value"]) for t in tags}


def _ec2(account_id: str, region_name: str) -> Any:
    return ec2_backends[account_id][region_name]


def _eks(account_id: str, region_name: str) -> eks_models.EKSBackend:
    return eks_models.eks_backends[account_id][region_name]


# moto's model metaclass (InstanceTrackerMeta) files every model class under the service named by the
# second component of its __module__ ("moto.ec2.models" -> "ec2"), for the /moto-api/data.json listing.
# Our classes therefore declare `__module__ = "moto_ext.<service>"`.


class _ExtModel:
    """Shared behaviour (a mixin, deliberately *not* a CloudFormationModel subclass itself) of the wrappers below.

    Each wrapper is what moto's ResourceMap stores for a logical resource: `physical_resource_id` is what
    `Ref` returns, `get_cfn_attribute` answers `Fn::GetAtt`, `cfn_properties` keeps the resolved template
    properties (used by drift detection). The live state stays in moto's backend object (`native`).

    moto collects model classes with `CloudFormationModel.__subclasses__()`, i.e. only *direct*
    subclasses; therefore every concrete wrapper also lists CloudFormationModel as a direct base.
    """

    physical_resource_id: str
    cfn_properties: dict[str, Any]
    ATTRIBUTES: tuple[str, ...] = ()

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return self._attribute(attribute_name)

    def _attribute(self, attribute_name: str) -> Any:  # pragma: no cover - overridden
        raise UnformattedGetAttTemplateException()

    def is_created(self) -> bool:
        return True

    def live_properties(self, account_id: str, region_name: str) -> dict[str, Any] | None:
        """The live resource described in template terms, for drift detection; None if it was deleted.

        Only the properties returned here are compared. Types that do not override this are reported as
        NOT_CHECKED (what AWS reports for types without drift support).
        """
        raise NotImplementedError

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        # Default update = replacement: delete the old resource, create the new one. Types with in-place
        # updatable properties override this.
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        # Only reached when moto could not call `.delete()` on the stored wrapper; nothing to find then.
        return None

    def delete(self, account_id: str, region_name: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


# ----------------------------------------------------------------------------------------------
# EC2
# ----------------------------------------------------------------------------------------------


class CfnNetworkAcl(_ExtModel, TaggedEC2Resource, CloudFormationModel):
    """AWS::EC2::NetworkAcl -> ec2 create_network_acl / delete_network_acl. Ref = acl id.

    It is a TaggedEC2Resource with the real ACL id so that moto's stack code puts the
    aws:cloudformation:* tags on the ACL, as it does for every other EC2 resource.
    """

    __module__ = "moto_ext.ec2"

    ATTRIBUTES = ("Id", "VpcId")

    def __init__(self, native: Any, properties: dict[str, Any]):
        self.native = native
        self.ec2_backend = native.ec2_backend
        self.id = native.id
        self.physical_resource_id = native.id
        self.cfn_properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EC2::NetworkAcl"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> "CfnNetworkAcl":
        props = cloudformation_json["Properties"]
        acl = _ec2(account_id, region_name).create_network_acl(props["VpcId"], tags=props.get("Tags") or [])
        return cls(acl, props)

    def _attribute(self, attribute_name: str) -> Any:
        return self.native.id if attribute_name == "Id" else self.native.vpc_id

    def live_properties(self, account_id: str, region_name: str) -> dict[str, Any] | None:
        acl = _ec2(account_id, region_name).network_acls.get(self.native.id)
        return None if acl is None else {"VpcId": acl.vpc_id}

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _ec2(account_id, region_name)
        if self.native.id in backend.network_acls:
            # Raises DependencyViolation while subnets are still associated; moto's stack deletion
            # retries such failures after deleting the other resources (the associations).
            backend.delete_network_acl(self.native.id)


class CfnNetworkAclEntry(_ExtModel, CloudFormationModel):
    """AWS::EC2::NetworkAclEntry -> ec2 create_network_acl_entry / delete_network_acl_entry.

    moto's NetworkAclEntry has no id of its own; Ref returns "<acl-id>|<ingress|egress>|<rule number>".
    """

    __module__ = "moto_ext.ec2"

    ATTRIBUTES = ("Id",)

    def __init__(self, acl_id: str, rule_number: int, egress: bool, properties: dict[str, Any]):
        self.acl_id = acl_id
        self.rule_number = rule_number
        self.egress = egress
        self.cfn_properties = properties
        self.physical_resource_id = f"{acl_id}|{'egress' if egress else 'ingress'}|{rule_number}"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EC2::NetworkAclEntry"

    @staticmethod
    def _create(props: dict[str, Any], account_id: str, region_name: str) -> tuple[str, int, bool]:
        icmp = props.get("Icmp") or {}
        ports = props.get("PortRange") or {}
        acl_id = props["NetworkAclId"]
        rule_number = int(props["RuleNumber"])
        egress = _bool(props.get("Egress"))
        _ec2(account_id, region_name).create_network_acl_entry(
            network_acl_id=acl_id,
            rule_number=rule_number,
            # The EC2 API reports protocols as strings ("-1", "6"); templates often use numbers.
            protocol=str(props["Protocol"]),
            rule_action=str(props["RuleAction"]).lower(),
            egress=egress,
            cidr_block=props.get("CidrBlock"),
            icmp_code=_int_or_none(icmp.get("Code")),
            icmp_type=_int_or_none(icmp.get("Type")),
            port_range_from=_int_or_none(ports.get("From")),
            port_range_to=_int_or_none(ports.get("To")),
            ipv6_cidr_block=props.get("Ipv6CidrBlock"),
        )
        return acl_id, rule_number, egress

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> "CfnNetworkAclEntry":
        props = cloudformation_json["Properties"]
        acl_id, rule_number, egress = cls._create(props, account_id, region_name)
        return cls(acl_id, rule_number, egress, props)

    def live_entry(self, account_id: str, region_name: str) -> Any:
        acl = _ec2(account_id, region_name).network_acls.get(self.acl_id)
        if acl is None:
            return None
        return next(
            (e for e in acl.network_acl_entries if e.egress == self.egress and e.rule_number == self.rule_number),
            None,
        )

    def _attribute(self, attribute_name: str) -> Any:
        return self.physical_resource_id

    def live_properties(self, account_id: str, region_name: str) -> dict[str, Any] | None:
        e = self.live_entry(account_id, region_name)
        if e is None:
            return None
        live: dict[str, Any] = {
            "NetworkAclId": e.network_acl_id,
            "RuleNumber": e.rule_number,
            "Protocol": e.protocol,
            "RuleAction": e.rule_action,
            "Egress": e.egress,
        }
        if e.cidr_block:
            live["CidrBlock"] = e.cidr_block
        if e.ipv6_cidr_block:
            live["Ipv6CidrBlock"] = e.ipv6_cidr_block
        if e.port_range_from is not None or e.port_range_to is not None:
            live["PortRange"] = {"From": e.port_range_from, "To": e.port_range_to}
        return live

    def delete(self, account_id: str, region_name: str) -> None:
        # Idempotent: moto deletes stack resources in no particular order, so the ACL (and with it the
        # entry) may already be gone.
        if self.live_entry(account_id, region_name) is not None:
            _ec2(account_id, region_name).delete_network_acl_entry(self.acl_id, self.rule_number, self.egress)


class CfnSubnetNetworkAclAssociation(_ExtModel, CloudFormationModel):
    """AWS::EC2::SubnetNetworkAclAssociation -> ec2 replace_network_acl_association.

    Every moto subnet starts associated with its VPC's default ACL (as in AWS); creating this resource moves
    that association to the given ACL, deleting it moves the subnet back to the default ACL (as AWS does).
    Ref / GetAtt AssociationId = the new association id.
    """

    __module__ = "moto_ext.ec2"

    ATTRIBUTES = ("AssociationId",)

    def __init__(self, association: Any, properties: dict[str, Any]):
        self.association_id = association.id
        self.subnet_id = association.subnet_id
        self.acl_id = association.network_acl_id
        self.physical_resource_id = association.id
        self.cfn_properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EC2::SubnetNetworkAclAssociation"

    @staticmethod
    def _current_association_id(backend: Any, subnet_id: str) -> str:
        for acl in backend.network_acls.values():
            for assoc_id, assoc in acl._associations.items():
                if assoc.subnet_id == subnet_id:
                    return assoc_id
        raise ValidationError(message=f"Subnet {subnet_id} has no network ACL association (does it exist?)")

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> "CfnSubnetNetworkAclAssociation":
        props = cloudformation_json["Properties"]
        backend = _ec2(account_id, region_name)
        backend.get_network_acl(props["NetworkAclId"])  # fail early on an unknown ACL
        current = cls._current_association_id(backend, props["SubnetId"])
        association = backend.replace_network_acl_association(current, props["NetworkAclId"])
        return cls(association, props)

    def _attribute(self, attribute_name: str) -> Any:
        return self.association_id

    def live_properties(self, account_id: str, region_name: str) -> dict[str, Any] | None:
        for acl in _ec2(account_id, region_name).network_acls.values():
            assoc = acl._associations.get(self.association_id)
            if assoc is not None:
                return {"SubnetId": assoc.subnet_id, "NetworkAclId": acl.id}
        return None

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _ec2(account_id, region_name)
        acl = backend.network_acls.get(self.acl_id)
        if acl is None or self.association_id not in acl._associations:
            return
        # The association always lives in the ACL's VPC, whose default ACL takes the subnet back.
        vpc_id = acl.vpc_id
        default_acl = next(
            (a for a in backend.network_acls.values() if a.default and a.vpc_id == vpc_id),
            None,
        )
        if default_acl is None:
            del acl._associations[self.association_id]
        else:
            backend.replace_network_acl_association(self.association_id, default_acl.id)


class CfnVpcCidrBlock(_ExtModel, CloudFormationModel):
    """AWS::EC2::VPCCidrBlock -> ec2 associate_vpc_cidr_block / disassociate_vpc_cidr_block.

    Ref = the association id (as in AWS). Subnets in the secondary range must `DependsOn` this resource,
    as they must in AWS.
    """

    __module__ = "moto_ext.ec2"

    ATTRIBUTES = ("Id", "Ipv6CidrBlock")

    def __init__(self, association: dict[str, Any], vpc_id: str, properties: dict[str, Any]):
        self.association_id = association["association_id"]
        self.vpc_id = vpc_id
        self.ipv6_cidr_block = association.get("ipv6_cidr_block")
        self.physical_resource_id = self.association_id
        self.cfn_properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EC2::VPCCidrBlock"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> "CfnVpcCidrBlock":
        props = cloudformation_json["Properties"]
        association = _ec2(account_id, region_name).associate_vpc_cidr_block(
            vpc_id=props["VpcId"],
            cidr_block=props.get("CidrBlock"),
            amazon_provided_ipv6_cidr_block=_bool(props.get("AmazonProvidedIpv6CidrBlock")),
        )
        return cls(association, props["VpcId"], props)

    def _attribute(self, attribute_name: str) -> Any:
        return self.association_id if attribute_name == "Id" else self.ipv6_cidr_block

    def live_properties(self, account_id: str, region_name: str) -> dict[str, Any] | None:
        vpc = _ec2(account_id, region_name).vpcs.get(self.vpc_id)
        found = (vpc.get_cidr_block_association_set() if vpc is not None else None) or []
        for association in found:
            if association.get("association_id") == self.association_id:
                return {"VpcId": self.vpc_id, "CidrBlock": association.get("cidr_block")}
        return None

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _ec2(account_id, region_name)
        if self.vpc_id in backend.vpcs:
            backend.disassociate_vpc_cidr_block(self.association_id)


def _sg_rule_args(props: dict[str, Any], peer_key: str, peer_prefix_key: str) -> dict[str, Any]:
    """Translate Ingress/Egress template properties to moto's authorize/revoke arguments."""
    ip_ranges: list[dict[str, Any]] = []
    if props.get("CidrIp"):
        ip_ranges.append({"CidrIp": props["CidrIp"], "Description": props.get("Description")})
    if props.get("CidrIpv6"):
        ip_ranges.append({"CidrIpv6": props["CidrIpv6"], "Description": props.get("Description")})
    groups = [{"GroupId": props[peer_key]}] if props.get(peer_key) else []
    if groups and props.get("Description"):
        groups[0]["Description"] = props["Description"]
    prefix_lists = [{"PrefixListId": props[peer_prefix_key]}] if props.get(peer_prefix_key) else []
    protocol = str(props["IpProtocol"])
    return {
        "group_name_or_id": props["GroupId"],
        "ip_protocol": protocol,
        "from_port": _int_or_none(props.get("FromPort")),
        "to_port": _int_or_none(props.get("ToPort")),
        "ip_ranges": ip_ranges,
        "source_groups": groups,
        "prefix_list_ids": prefix_lists,
    }


def _sg_rule_live(account_id: str, region_name: str, group_id: str, rule_id: str, egress: bool) -> dict[str, Any] | None:
    """A standalone ingress/egress rule in template terms (None once revoked or its group is gone)."""
    group = _ec2(account_id, region_name).get_security_group_from_id(group_id)
    rules = (group.egress_rules if egress else group.ingress_rules) if group is not None else []
    rule = next((r for r in rules if r.id == rule_id), None)
    if rule is None:
        return None
    live = drift.sg_rule_properties(rule, "DestinationSecurityGroupId" if egress else "SourceSecurityGroupId")
    return {"GroupId": group_id, **live}


def _security_group_create(
    cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
) -> Any:
    """AWS::EC2::SecurityGroup. moto's version drops SecurityGroupEgress (the default allow-all rule stays),
    rule descriptions and CidrIpv6, and ignores GroupName. As in AWS: template egress rules replace the
    default egress rule; every rule keeps its description."""
    props = cloudformation_json["Properties"]
    backend = _ec2(account_id, region_name)
    vpc_id = props.get("VpcId")
    group = backend.create_security_group(
        name=props.get("GroupName") or resource_name,
        description=props.get("GroupDescription"),
        vpc_id=vpc_id,
        tags=_tag_list_to_dict(props.get("Tags")),
    )
    for rule in props.get("SecurityGroupIngress") or []:
        args = _sg_rule_args({**rule, "GroupId": group.id}, "SourceSecurityGroupId", "SourcePrefixListId")
        backend.authorize_security_group_ingress(**args, vpc_id=vpc_id)
    egress = props.get("SecurityGroupEgress")
    if egress:
        group.egress_rules = [r for r in group.egress_rules if not (r.ip_protocol == "-1" and r.ip_range == {"CidrIp": "0.0.0.0/0"})]
        for rule in egress:
            args = _sg_rule_args({**rule, "GroupId": group.id}, "DestinationSecurityGroupId", "DestinationPrefixListId")
            backend.authorize_security_group_egress(**args, vpc_id=vpc_id)
    return group


_original_role_create = IamRole.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _iam_role_create(
    cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
) -> Any:
    """AWS::IAM::Role. moto's version stores inline policy documents as Python dicts (GetRolePolicy then
    answers with a Python repr, not JSON) and ignores ManagedPolicyArns. Both now as in AWS."""
    role = _original_role_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    props = cloudformation_json["Properties"]
    for policy in props.get("Policies") or []:
        document = policy["PolicyDocument"]
        role.put_policy(policy["PolicyName"], document if isinstance(document, str) else json.dumps(document))
    backend = iam_backends[account_id][get_partition(region_name)]
    for arn in props.get("ManagedPolicyArns") or []:
        _ensure_aws_managed_policy(backend, arn)
        backend.attach_role_policy(arn, role.name)
    return role


_original_role_delete = IamRole.delete_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _iam_role_delete(
    cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
) -> None:
    """CloudFormation detaches the managed policies it attached before deleting the role (IAM refuses
    DeleteRole otherwise, DeleteConflict)."""
    backend = iam_backends[account_id][get_partition(region_name)]
    for role in list(backend.roles.values()):
        if role.name == resource_name:
            for arn in list(role.managed_policies):
                backend.detach_role_policy(arn, role.name)
    _original_role_delete(cls, resource_name, cloudformation_json, account_id, region_name)


_AWS_MANAGED_POLICIES: dict[str, Any] = {}


def _ensure_aws_managed_policy(backend: Any, arn: str) -> None:
    """AWS managed policies exist in every account; moto loads all ~1,000 of them only when asked to
    (MOTO_IAM_LOAD_MANAGED_POLICIES, slow per account). Load just the one a template attaches."""
    if not arn.startswith("arn:aws:iam::aws:policy/") or arn in backend.managed_policies:
        return
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy

    if not _AWS_MANAGED_POLICIES:
        _AWS_MANAGED_POLICIES.update(json.loads(aws_managed_policies_data))
    name = arn.rsplit("/", 1)[-1]
    data = _AWS_MANAGED_POLICIES.get(name)
    if data is not None:  # unknown names stay unknown: attach then fails as in AWS (NoSuchEntity)
        policy = AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
        backend.managed_policies[policy.arn] = policy


def _complete_native_create(resource: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
    """Template properties moto's own EC2 models drop on create: Tags (InternetGateway, RouteTable, ...) and
    the VPC DNS attributes. Applied after moto's create, so the live resource is what the template says."""
    if isinstance(resource, TaggedEC2Resource) and properties.get("Tags") and getattr(resource, "id", None):
        resource.add_tags(_tag_list_to_dict(properties["Tags"]))
    if getattr(resource, "cf_resource_type", "") == "AWS::EC2::VPC":
        backend = _ec2(account_id, region_name)
        for prop, attribute in (("EnableDnsHostnames", "enable_dns_hostnames"), ("EnableDnsSupport", "enable_dns_support")):
            if prop in properties:
                backend.modify_vpc_attribute(resource.id, attribute, _bool(properties[prop]))


class CfnSecurityGroupEgress(_ExtModel, CloudFormationModel):
    """AWS::EC2::SecurityGroupEgress -> ec2 authorize_security_group_egress / revoke_security_group_egress."""

    __module__ = "moto_ext.ec2"

    ATTRIBUTES = ("Id",)

    def __init__(self, rule_id: str, args: dict[str, Any], properties: dict[str, Any]):
        self.args = args
        self.physical_resource_id = rule_id
        self.cfn_properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EC2::SecurityGroupEgress"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> "CfnSecurityGroupEgress":
        props = cloudformation_json["Properties"]
        args = _sg_rule_args(props, "DestinationSecurityGroupId", "DestinationPrefixListId")
        rules, _group = _ec2(account_id, region_name).authorize_security_group_egress(**args)
        rule_id = rules[0].id if rules else f"sgr-{uuid.uuid4().hex[:17]}"
        return cls(rule_id, args, props)

    def _attribute(self, attribute_name: str) -> Any:
        return self.physical_resource_id

    def live_properties(self, account_id: str, region_name: str) -> dict[str, Any] | None:
        return _sg_rule_live(account_id, region_name, self.args["group_name_or_id"], self.physical_resource_id, True)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _ec2(account_id, region_name)
        try:
            backend.revoke_security_group_egress(**self.args)
        except Exception:  # noqa: BLE001 - the group (and so the rule) may already be deleted
            pass


class CfnSecurityGroupIngress(_ExtModel, CloudFormationModel):
    """AWS::EC2::SecurityGroupIngress, replacing moto's own model for this type.

    moto's version ignores CidrIpv6 and SourcePrefixListId and never revokes the rule on stack deletion;
    this one handles all three. (moto picks the *last* registered class for a type, which is this one.)
    """

    __module__ = "moto_ext.ec2"

    ATTRIBUTES = ("Id",)

    def __init__(self, rule_id: str, args: dict[str, Any], properties: dict[str, Any]):
        self.args = args
        self.physical_resource_id = rule_id
        self.cfn_properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EC2::SecurityGroupIngress"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> "CfnSecurityGroupIngress":
        props = dict(cloudformation_json["Properties"])
        backend = _ec2(account_id, region_name)
        if not props.get("GroupId") and props.get("GroupName"):
            props["GroupId"] = backend.describe_security_groups(groupnames=[props["GroupName"]])[0].id
        args = _sg_rule_args(props, "SourceSecurityGroupId", "SourcePrefixListId")
        rules, _group = backend.authorize_security_group_ingress(**args)
        rule_id = rules[0].id if rules else f"sgr-{uuid.uuid4().hex[:17]}"
        return cls(rule_id, args, cloudformation_json["Properties"])

    def _attribute(self, attribute_name: str) -> Any:
        return self.physical_resource_id

    def live_properties(self, account_id: str, region_name: str) -> dict[str, Any] | None:
        return _sg_rule_live(account_id, region_name, self.args["group_name_or_id"], self.physical_resource_id, False)

    def delete(self, account_id: str, region_name: str) -> None:
        try:
            _ec2(account_id, region_name).revoke_security_group_ingress(**self.args)
        except Exception:  # noqa: BLE001 - the group (and so the rule) may already be deleted
            pass


# ----------------------------------------------------------------------------------------------
# IAM
# ----------------------------------------------------------------------------------------------


class CfnOidcProvider(_ExtModel, CloudFormationModel):
    """AWS::IAM::OIDCProvider -> iam create_open_id_connect_provider. Ref / GetAtt Arn = provider ARN."""

    __module__ = "moto_ext.iam"

    ATTRIBUTES = ("Arn",)

    def __init__(self, arn: str, properties: dict[str, Any]):
        self.arn = arn
        self.physical_resource_id = arn
        self.cfn_properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::IAM::OIDCProvider"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> "CfnOidcProvider":
        props = cloudformation_json["Properties"]
        iam = iam_backends[account_id][get_partition(region_name)]
        provider = iam.create_open_id_connect_provider(
            url=props["Url"],
            thumbprint_list=props.get("ThumbprintList") or [],
            client_id_list=props.get("ClientIdList") or [],
            tags=props.get("Tags") or [],
        )
        return cls(provider.arn, props)

    def _attribute(self, attribute_name: str) -> Any:
        return self.arn

    def live_properties(self, account_id: str, region_name: str) -> dict[str, Any] | None:
        provider = iam_backends[account_id][get_partition(region_name)].open_id_providers.get(self.arn)
        if provider is None:
            return None
        return {
            "Url": provider.url if "://" in provider.url else f"https://{provider.url}",
            "ClientIdList": list(provider.client_id_list or []),
            "ThumbprintList": list(provider.thumbprint_list or []),
        }

    def delete(self, account_id: str, region_name: str) -> None:
        iam_backends[account_id][get_partition(region_name)].delete_open_id_connect_provider(self.arn)


# ----------------------------------------------------------------------------------------------
# EKS
# ----------------------------------------------------------------------------------------------


def _cluster_logging(logging: dict[str, Any] | None) -> dict[str, Any] | None:
    """`Logging.ClusterLogging.EnabledTypes[{Type}]` -> EKS API `{clusterLogging: [{types, enabled}]}`."""
    if not logging:
        return None
    enabled = [t["Type"] for t in (logging.get("ClusterLogging") or {}).get("EnabledTypes") or []]
    all_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    disabled = [t for t in all_types if t not in enabled]
    entries = []
    if enabled:
        entries.append({"types": enabled, "enabled": True})
    if disabled:
        entries.append({"types": disabled, "enabled": False})
    return {"clusterLogging": entries}


class CfnEksCluster(_ExtModel, CloudFormationModel):
    """AWS::EKS::Cluster -> eks create_cluster / delete_cluster. Ref = cluster name.

    Like EKS, it creates a cluster security group ("eks-cluster-sg-<name>-<suffix>") in the VPC of the
    given subnets, reported as resourcesVpcConfig.clusterSecurityGroupId and deleted with the cluster.
    """

    __module__ = "moto_ext.eks"

    ATTRIBUTES = (
        "Arn",
        "Endpoint",
        "CertificateAuthorityData",
        "ClusterSecurityGroupId",
        "OpenIdConnectIssuerUrl",
        "EncryptionConfigKeyArn",
        "KubernetesNetworkConfig.ServiceIpv4Cidr",
        "KubernetesNetworkConfig.ServiceIpv6Cidr",
        "Id",
    )

    def __init__(self, native: eks_models.Cluster, properties: dict[str, Any]):
        self.native = native
        self.name = native.name
        self.physical_resource_id = native.name
        self.cfn_properties = properties

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EKS::Cluster"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> "CfnEksCluster":
        props = cloudformation_json["Properties"]
        ec2 = _ec2(account_id, region_name)
        vpc_in = props.get("ResourcesVpcConfig") or {}
        subnet_ids = list(vpc_in.get("SubnetIds") or [])
        if not subnet_ids:
            raise ValidationError(message="AWS::EKS::Cluster: ResourcesVpcConfig.SubnetIds is required")
        vpc_id = ec2.get_subnet(subnet_ids[0]).vpc_id  # raises InvalidSubnetID.NotFound for unknown subnets
        public = _bool(vpc_in.get("EndpointPublicAccess"), default=True)
        cluster_sg = ec2.create_security_group(
            name=f"eks-cluster-sg-{resource_name}-{uuid.uuid4().hex[:10]}",
            description="EKS created security group applied to ENI that is attached to EKS Control Plane",
            vpc_id=vpc_id,
            tags={"aws:eks:cluster-name": resource_name},
        )
        resources_vpc_config = {
            "subnetIds": subnet_ids,
            "securityGroupIds": list(vpc_in.get("SecurityGroupIds") or []),
            "clusterSecurityGroupId": cluster_sg.id,
            "vpcId": vpc_id,
            "endpointPublicAccess": public,
            "endpointPrivateAccess": _bool(vpc_in.get("EndpointPrivateAccess"), default=False),
            "publicAccessCidrs": list(vpc_in.get("PublicAccessCidrs") or (["0.0.0.0/0"] if public else [])),
        }
        knc_in = props.get("KubernetesNetworkConfig") or {}
        knc = {
            "serviceIpv4Cidr": knc_in.get("ServiceIpv4Cidr", "172.20.0.0/16"),
            "ipFamily": knc_in.get("IpFamily", "ipv4"),
        }
        encryption = [
            {"provider": {"keyArn": e.get("Provider", {}).get("KeyArn")}, "resources": list(e.get("Resources") or [])}
            for e in props.get("EncryptionConfig") or []
        ]
        try:
            cluster = _eks(account_id, region_name).create_cluster(
                name=resource_name,
                role_arn=props["RoleArn"],
                resources_vpc_config=resources_vpc_config,
                version=str(props["Version"]) if props.get("Version") is not None else None,
                kubernetes_network_config=knc,
                logging=_cluster_logging(props.get("Logging")),
                tags=_tag_list_to_dict(props.get("Tags")),
                encryption_config=encryption,
            )
        except Exception:
            ec2.delete_security_group(group_id=cluster_sg.id)
            raise
        # EKS endpoints have no trailing slash; moto's endpoint template adds one.
        cluster.endpoint = cluster.endpoint.rstrip("/")
        return cls(cluster, props)

    def _attribute(self, attribute_name: str) -> Any:
        c = self.native
        encryption = c.encryption_config or []
        return {
            "Arn": c.arn,
            "Endpoint": c.endpoint,
            "CertificateAuthorityData": c.certificate_authority["data"],
            "ClusterSecurityGroupId": c.resources_vpc_config.get("clusterSecurityGroupId"),
            "OpenIdConnectIssuerUrl": c.identity["oidc"]["issuer"],
            "EncryptionConfigKeyArn": encryption[0]["provider"]["keyArn"] if encryption else None,
            "KubernetesNetworkConfig.ServiceIpv4Cidr": (c.kubernetes_network_config or {}).get("serviceIpv4Cidr"),
            "KubernetesNetworkConfig.ServiceIpv6Cidr": (c.kubernetes_network_config or {}).get("serviceIpv6Cidr"),
            "Id": c.name,
        }[attribute_name]

    def live_properties(self, account_id: str, region_name: str) -> dict[str, Any] | None:
        c = _eks(account_id, region_name).clusters.get(self.name)
        if c is None:
            return None
        vpc = c.resources_vpc_config
        enabled = [t for e in (c.logging or {}).get("clusterLogging", []) if e.get("enabled") for t in e["types"]]
        return {
            "Name": c.name,
            "Version": c.version,
            "RoleArn": c.role_arn,
            "ResourcesVpcConfig": {
                "SubnetIds": vpc.get("subnetIds"),
                "SecurityGroupIds": vpc.get("securityGroupIds"),
                "EndpointPublicAccess": vpc.get("endpointPublicAccess"),
                "EndpointPrivateAccess": vpc.get("endpointPrivateAccess"),
                "PublicAccessCidrs": vpc.get("publicAccessCidrs"),
            },
            "EncryptionConfig": [
                {"Provider": {"KeyArn": e["provider"]["keyArn"]}, "Resources": e["resources"]}
                for e in c.encryption_config or []
            ],
            "Logging": {"ClusterLogging": {"EnabledTypes": [{"Type": t} for t in enabled]}},
        }

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        """In-place update of what EKS can update in place (version, logging, endpoint access, tags).

        Name, RoleArn, subnets, security groups, network config and encryption need replacement in AWS;
        replacing a cluster that still has node groups fails in AWS too, so we do not try it here either.
        """
        props = cloudformation_json["Properties"]
        old = original_resource.cfn_properties
        immutable = ["Name", "RoleArn", "KubernetesNetworkConfig", "EncryptionConfig"]
        changed = [k for k in immutable if props.get(k) != old.get(k)]
        old_vpc = old.get("ResourcesVpcConfig") or {}
        new_vpc = props.get("ResourcesVpcConfig") or {}
        for key in ("SubnetIds", "SecurityGroupIds"):
            if new_vpc.get(key) != old_vpc.get(key):
                changed.append(f"ResourcesVpcConfig.{key}")
        if changed:
            raise ValidationError(
                message=f"AWS::EKS::Cluster {original_resource.name}: replacement of {changed} is not supported "
                "by the sandbox extension (see sandbox/moto/README.md)"
            )
        c = original_resource.native
        if props.get("Version") is not None:
            c.version = str(props["Version"])
        if props.get("Logging") != old.get("Logging"):
            c.logging = _cluster_logging(props.get("Logging")) or eks_models.DEFAULT_LOGGING
        public = _bool(new_vpc.get("EndpointPublicAccess"), default=True)
        c.resources_vpc_config["endpointPublicAccess"] = public
        c.resources_vpc_config["endpointPrivateAccess"] = _bool(new_vpc.get("EndpointPrivateAccess"), default=False)
        c.resources_vpc_config["publicAccessCidrs"] = list(
            new_vpc.get("PublicAccessCidrs") or (["0.0.0.0/0"] if public else [])
        )
        c.tags = _tag_list_to_dict(props.get("Tags"))
        original_resource.cfn_properties = props
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        eks = _eks(account_id, region_name)
        if self.name not in eks.clusters:
            return
        # Raises ResourceInUse while node groups exist; moto's stack deletion retries after the rest.
        eks.delete_cluster(self.name)
        sg_id = self.native.resources_vpc_config.get("clusterSecurityGroupId")
        if sg_id:
            try:
                _ec2(account_id, region_name).delete_security_group(group_id=sg_id)
            except Exception:  # noqa: BLE001 - still referenced by a rule elsewhere: leave it, as AWS would fail
                pass


class CfnEksNodegroup(_ExtModel, CloudFormationModel):
    """AWS::EKS::Nodegroup -> eks create_nodegroup / delete_nodegroup. Ref = "<cluster>/<nodegroup>"."""

    __module__ = "moto_ext.eks"

    ATTRIBUTES = ("Arn", "ClusterName", "NodegroupName", "Id")

    def __init__(self, native: eks_models.Nodegroup, properties: dict[str, Any]):
        self.native = native
        self.cluster_name = native.cluster_name
        self.nodegroup_name = native.nodegroup_name
        self.physical_resource_id = f"{native.cluster_name}/{native.nodegroup_name}"
        self.cfn_properties = properties

    @staticmethod
    def cloudformation_name_type() -> str:
        return "NodegroupName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EKS::Nodegroup"

    @staticmethod
    def _scaling(props: dict[str, Any]) -> dict[str, int] | None:
        sc = props.get("ScalingConfig")
        if not sc:
            return None
        out = {"minSize": sc.get("MinSize"), "maxSize": sc.get("MaxSize"), "desiredSize": sc.get("DesiredSize")}
        return {k: int(v) for k, v in out.items() if v is not None}

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> "CfnEksNodegroup":
        props = cloudformation_json["Properties"]
        lt_in = props.get("LaunchTemplate")
        launch_template = (
            {k: v for k, v in {"id": lt_in.get("Id"), "name": lt_in.get("Name"), "version": lt_in.get("Version")}.items() if v}
            if lt_in
            else None
        )
        remote_in = props.get("RemoteAccess")
        remote = (
            {"ec2SshKey": remote_in.get("Ec2SshKey"), "sourceSecurityGroups": remote_in.get("SourceSecurityGroups") or []}
            if remote_in
            else None
        )
        # moto's Nodegroup constructor resolves a launch template by name/id and silently ignores failures;
        # it also defaults remoteAccess to a made-up key pair. Without RemoteAccess we clear that below.
        nodegroup = _eks(account_id, region_name).create_nodegroup(
            cluster_name=props["ClusterName"],
            node_role=props["NodeRole"],
            nodegroup_name=resource_name,
            subnets=list(props.get("Subnets") or []),
            scaling_config=cls._scaling(props),
            disk_size=_int_or_none(props.get("DiskSize")),
            instance_types=props.get("InstanceTypes"),
            ami_type=props.get("AmiType"),
            remote_access=remote,
            labels=props.get("Labels"),
            taints=[{"key": t["Key"], "value": t.get("Value"), "effect": t["Effect"]} for t in props.get("Taints") or []],
            tags=_tag_list_to_dict(props.get("Tags")),
            launch_template=launch_template,
            capacity_type=props.get("CapacityType"),
            version=str(props["Version"]) if props.get("Version") is not None else None,
            release_version=props.get("ReleaseVersion"),
        )
        if remote is None:
            nodegroup.remote_access = None
        if props.get("Version") is None:
            # A node group without Version gets the cluster's Kubernetes version (moto would say 1.19).
            nodegroup.version = _eks(account_id, region_name).clusters[props["ClusterName"]].version
        update_in = props.get("UpdateConfig")
        if update_in:
            nodegroup.update_config = {
                k: int(v)
                for k, v in {
                    "maxUnavailable": update_in.get("MaxUnavailable"),
                    "maxUnavailablePercentage": update_in.get("MaxUnavailablePercentage"),
                }.items()
                if v is not None
            }
        return cls(nodegroup, props)

    def _attribute(self, attribute_name: str) -> Any:
        return {
            "Arn": self.native.arn,
            "ClusterName": self.cluster_name,
            "NodegroupName": self.nodegroup_name,
            "Id": self.physical_resource_id,
        }[attribute_name]

    def live_properties(self, account_id: str, region_name: str) -> dict[str, Any] | None:
        cluster = _eks(account_id, region_name).clusters.get(self.cluster_name)
        ng = cluster.nodegroups.get(self.nodegroup_name) if cluster is not None else None
        if ng is None:
            return None
        sc = ng.scaling_config or {}
        return {
            "ClusterName": ng.cluster_name,
            "NodegroupName": ng.nodegroup_name,
            "NodeRole": ng.node_role,
            "Subnets": ng.subnets,
            "InstanceTypes": ng.instance_types,
            "ScalingConfig": {"MinSize": sc.get("minSize"), "MaxSize": sc.get("maxSize"), "DesiredSize": sc.get("desiredSize")},
            "Labels": ng.labels,
            "Tags": ng.tags,
            "Version": ng.version,
            "AmiType": ng.ami_type,
            "CapacityType": ng.capacity_type,
        }

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        """Scaling config, labels, taints, tags, version update in place (as in EKS); the rest replaces."""
        props = cloudformation_json["Properties"]
        old = original_resource.cfn_properties
        in_place = {"ScalingConfig", "Labels", "Taints", "Tags", "Version", "ReleaseVersion", "UpdateConfig"}
        if any(props.get(k) != old.get(k) for k in set(props) | set(old) if k not in in_place):
            return super().update_from_cloudformation_json(
                original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        ng = original_resource.native
        scaling = cls._scaling(props)
        if scaling:
            ng.scaling_config = scaling
        ng.labels = props.get("Labels") or {}
        ng.taints = [{"key": t["Key"], "value": t.get("Value"), "effect": t["Effect"]} for t in props.get("Taints") or []]
        ng.tags = _tag_list_to_dict(props.get("Tags"))
        if props.get("Version") is not None:
            ng.version = str(props["Version"])
        ng.modified_at = utcnow()
        original_resource.cfn_properties = props
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        cluster = _eks(account_id, region_name).clusters.get(self.cluster_name)
        if cluster is not None and self.nodegroup_name in cluster.nodegroups:
            _eks(account_id, region_name).delete_nodegroup(self.cluster_name, self.nodegroup_name)


# --- EKS add-ons: model + API (moto 5.2.5 has neither) -----------------------------------------

ADDON_ARN_TEMPLATE = "arn:{partition}:eks:{region}:{account_id}:addon/{cluster}/{addon}/{uuid}"


class Addon:
    """An EKS add-on, stored on moto's Cluster object (`cluster.addons`) so it goes away with the cluster.

    Attribute names follow the EKS `Addon` shape in snake_case; moto's serializer picks them up.
    """

    def __init__(
        self,
        cluster: eks_models.Cluster,
        addon_name: str,
        addon_version: str | None,
        service_account_role_arn: str | None,
        configuration_values: str | None,
        tags: dict[str, str] | None,
        account_id: str,
        region_name: str,
    ):
        self.uuid = str(uuid.uuid4())
        self.addon_name = addon_name
        self.cluster_name = cluster.name
        self.status = "ACTIVE"
        # Without an explicit version EKS installs the default version for the cluster's Kubernetes
        # version; there is no add-on catalogue here, so we record that fact instead of inventing a number.
        self.addon_version = addon_version or f"default-for-kubernetes-{cluster.version}"
        self.health: dict[str, Any] = {"issues": []}
        self.addon_arn = ADDON_ARN_TEMPLATE.format(
            partition=get_partition(region_name),
            region=region_name,
            account_id=account_id,
            cluster=cluster.name,
            addon=addon_name,
            uuid=self.uuid,
        )
        self.created_at = utcnow()
        self.modified_at = self.created_at
        self.service_account_role_arn = service_account_role_arn
        self.configuration_values = configuration_values
        self.tags = tags or {}


def _addons(cluster: eks_models.Cluster) -> dict[str, Addon]:
    if not hasattr(cluster, "addons"):
        cluster.addons = {}  # type: ignore[attr-defined]
    return cluster.addons  # type: ignore[attr-defined]


def _get_cluster(backend: eks_models.EKSBackend, name: str) -> eks_models.Cluster:
    if name not in backend.clusters:
        raise ResourceNotFoundException(
            clusterName=name,
            nodegroupName=None,
            fargateProfileName=None,
            addonName=None,
            message=eks_models.CLUSTER_NOT_FOUND_MSG.format(clusterName=name),
        )
    return backend.clusters[name]


def _get_addon(backend: eks_models.EKSBackend, cluster_name: str, addon_name: str) -> Addon:
    addons = _addons(_get_cluster(backend, cluster_name))
    if addon_name not in addons:
        raise ResourceNotFoundException(
            clusterName=cluster_name,
            nodegroupName=None,
            fargateProfileName=None,
            addonName=addon_name,
            message=f"No addon: {addon_name} found in cluster: {cluster_name}",
        )
    return addons[addon_name]


def create_addon(
    backend: eks_models.EKSBackend,
    cluster_name: str,
    addon_name: str,
    addon_version: str | None = None,
    service_account_role_arn: str | None = None,
    configuration_values: str | None = None,
    tags: dict[str, str] | None = None,
) -> Addon:
    cluster = _get_cluster(backend, cluster_name)
    addons = _addons(cluster)
    if addon_name in addons:
        raise ResourceInUseException(
            clusterName=cluster_name,
            nodegroupName=None,
            addonName=addon_name,
            message=f"Addon already exists with name: {addon_name} for cluster: {cluster_name}",
        )
    addon = Addon(
        cluster,
        addon_name,
        addon_version,
        service_account_role_arn,
        configuration_values,
        tags,
        backend.account_id,
        backend.region_name,
    )
    addons[addon_name] = addon
    return addon


def delete_addon(backend: eks_models.EKSBackend, cluster_name: str, addon_name: str) -> Addon:
    addon = _get_addon(backend, cluster_name, addon_name)
    del _addons(backend.clusters[cluster_name])[addon_name]
    return addon


def _resp_create_addon(self: EKSResponse) -> Any:
    from moto.core.responses import ActionResult

    addon = create_addon(
        self.eks_backend,
        cluster_name=self._get_param("name"),
        addon_name=self._get_param("addonName"),
        addon_version=self._get_param("addonVersion"),
        service_account_role_arn=self._get_param("serviceAccountRoleArn"),
        configuration_values=self._get_param("configurationValues"),
        tags=self._get_param("tags"),
    )
    return ActionResult({"addon": addon})


def _resp_describe_addon(self: EKSResponse) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult({"addon": _get_addon(self.eks_backend, self._get_param("name"), self._get_param("addonName"))})


def _resp_list_addons(self: EKSResponse) -> Any:
    from moto.core.responses import ActionResult

    cluster = _get_cluster(self.eks_backend, self._get_param("name"))
    return ActionResult({"addons": sorted(_addons(cluster))})


def _resp_delete_addon(self: EKSResponse) -> Any:
    from moto.core.responses import ActionResult

    addon = delete_addon(self.eks_backend, self._get_param("name"), self._get_param("addonName"))
    addon.status = "DELETING"
    return ActionResult({"addon": addon})


def _resp_update_addon(self: EKSResponse) -> Any:
    from moto.core.responses import ActionResult

    addon = _get_addon(self.eks_backend, self._get_param("name"), self._get_param("addonName"))
    for param, attr in (
        ("addonVersion", "addon_version"),
        ("serviceAccountRoleArn", "service_account_role_arn"),
        ("configurationValues", "configuration_values"),
    ):
        value = self._get_param(param)
        if value is not None:
            setattr(addon, attr, value)
    addon.modified_at = utcnow()
    update = {
        "id": str(uuid.uuid4()),
        "status": "Successful",
        "type": "AddonUpdate",
        "params": [],
        "createdAt": addon.modified_at,
        "errors": [],
    }
    return ActionResult({"update": update})


def install_eks_addon_api() -> None:
    """Route the add-on operations to the methods above.

    moto's EKS responses pick the operation from botocore's model (method + URI), then call the
    snake_case method of EKSResponse; the Flask app only needs URL patterns that reach `dispatch`.
    """
    EKSResponse.create_addon = _resp_create_addon  # type: ignore[attr-defined]
    EKSResponse.describe_addon = _resp_describe_addon  # type: ignore[attr-defined]
    EKSResponse.list_addons = _resp_list_addons  # type: ignore[attr-defined]
    EKSResponse.delete_addon = _resp_delete_addon  # type: ignore[attr-defined]
    EKSResponse.update_addon = _resp_update_addon  # type: ignore[attr-defined]
    dispatch = eks_urls.response.dispatch
    eks_urls.url_paths.update(
        {
            "{0}/clusters/(?P<name>[^/]+)/addons$": dispatch,
            "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)$": dispatch,
            "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)/update$": dispatch,
        }
    )


class CfnEksAddon(_ExtModel, CloudFormationModel):
    """AWS::EKS::Addon -> the add-on store above. Ref = "<cluster>|<addon>", GetAtt Arn."""

    __module__ = "moto_ext.eks"

    ATTRIBUTES = ("Arn",)

    def __init__(self, native: Addon, properties: dict[str, Any]):
        self.native = native
        self.physical_resource_id = f"{native.cluster_name}|{native.addon_name}"
        self.cfn_properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EKS::Addon"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> "CfnEksAddon":
        props = cloudformation_json["Properties"]
        addon = create_addon(
            _eks(account_id, region_name),
            cluster_name=props["ClusterName"],
            addon_name=props["AddonName"],
            addon_version=props.get("AddonVersion"),
            service_account_role_arn=props.get("ServiceAccountRoleArn"),
            configuration_values=props.get("ConfigurationValues"),
            tags=_tag_list_to_dict(props.get("Tags")),
        )
        return cls(addon, props)

    def _attribute(self, attribute_name: str) -> Any:
        return self.native.addon_arn

    def live_properties(self, account_id: str, region_name: str) -> dict[str, Any] | None:
        cluster = _eks(account_id, region_name).clusters.get(self.native.cluster_name)
        addon = _addons(cluster).get(self.native.addon_name) if cluster is not None else None
        if addon is None:
            return None
        return {
            "ClusterName": addon.cluster_name,
            "AddonName": addon.addon_name,
            "AddonVersion": addon.addon_version,
            "ServiceAccountRoleArn": addon.service_account_role_arn,
            "ConfigurationValues": addon.configuration_values,
        }

    def delete(self, account_id: str, region_name: str) -> None:
        cluster = _eks(account_id, region_name).clusters.get(self.native.cluster_name)
        if cluster is not None and self.native.addon_name in _addons(cluster):
            delete_addon(_eks(account_id, region_name), self.native.cluster_name, self.native.addon_name)


# ----------------------------------------------------------------------------------------------
# CloudFormation drift detection (moto 5.2.5 has none: the API answers with an HTML 500)
# ----------------------------------------------------------------------------------------------


# Stacks in these states have no settled template/resources to compare with: AWS refuses drift detection.
_DRIFT_REFUSED_SUFFIXES = ("_IN_PROGRESS",)


def _live_properties(resource: Any, account_id: str, region_name: str) -> tuple[bool, dict[str, Any] | None, str]:
    """(checked, live properties or None if deleted, reason when not checked)."""
    if isinstance(resource, _ExtModel):
        try:
            return True, resource.live_properties(account_id, region_name), ""
        except NotImplementedError:
            return False, None, "the sandbox has no live reader for this type"
    reader = drift.NATIVE_READERS.get(getattr(resource, "cf_resource_type", ""))
    if reader is None:
        return False, None, "the sandbox has no live reader for this type"
    try:
        return True, reader(resource, account_id, region_name), ""
    except Exception as exc:  # noqa: BLE001 - a reader bug must not turn the whole detection into a 500
        return False, None, f"reading the live resource failed ({type(exc).__name__}: {exc})"


def _resource_drift(stack: Any, resource: Any, account_id: str, region_name: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "StackId": stack.stack_id,
        "LogicalResourceId": resource.logical_resource_id,
        "PhysicalResourceId": getattr(resource, "physical_resource_id", None),
        "ResourceType": resource.cf_resource_type,
        "Timestamp": utcnow(),
        "PropertyDifferences": [],
    }
    expected_all = drift.expected_properties(resource)
    checked, live, reason = _live_properties(resource, account_id, region_name)
    if expected_all is None:
        checked, reason = False, "its template properties could not be resolved"
    if not checked:
        result["StackResourceDriftStatus"] = "NOT_CHECKED"
        result["SandboxReason"] = reason
        return result
    expected = expected_all if live is None else {k: v for k, v in expected_all.items() if k in live}
    result["ExpectedProperties"] = drift.render(expected)
    if live is None:
        result["StackResourceDriftStatus"] = "DELETED"
        return result
    differences: list[dict[str, Any]] = []
    for key, value in expected.items():
        drift.compare(f"/{key}", key, value, live.get(key, drift.MISSING), differences)
    result["ActualProperties"] = drift.render({k: live[k] for k in expected})
    result["PropertyDifferences"] = differences
    result["StackResourceDriftStatus"] = "MODIFIED" if differences else "IN_SYNC"
    return result


def _public(drift_result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in drift_result.items() if k != "SandboxReason"}


# detection id -> result; computed when detection starts, reported complete after the detection delay
_DRIFT_DETECTIONS: dict[str, dict[str, Any]] = {}


def _detection_complete(found: dict[str, Any]) -> bool:
    return time.monotonic() >= found["ready_at"]


def _resp_detect_stack_drift(self: Any) -> Any:
    from moto.core.responses import ActionResult

    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    if stack.status.endswith(_DRIFT_REFUSED_SUFFIXES) or stack.status in ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS"):
        raise ValidationError(message=f"Drift detection is not supported for stack {stack.name} in status {stack.status}")
    wanted = set(self._get_param("LogicalResourceIds", []))
    drifts = [
        _resource_drift(stack, r, self.current_account, self.region)
        for r in stack.stack_resources
        if r is not None and hasattr(r, "cf_resource_type") and (not wanted or r.logical_resource_id in wanted)
    ]
    detection_id = str(uuid.uuid4())
    drifted = [d for d in drifts if d["StackResourceDriftStatus"] in ("MODIFIED", "DELETED")]
    checked = [d for d in drifts if d["StackResourceDriftStatus"] != "NOT_CHECKED"]
    status = "DRIFTED" if drifted else ("IN_SYNC" if checked else "NOT_CHECKED")
    _DRIFT_DETECTIONS[detection_id] = {
        "stack": stack,
        "drifts": drifts,
        "status": status,
        "at": utcnow(),
        "ready_at": time.monotonic() + drift.detection_delay_seconds(),
    }
    return ActionResult({"StackDriftDetectionId": detection_id})


def _resp_describe_stack_drift_detection_status(self: Any) -> Any:
    from moto.core.responses import ActionResult

    detection_id = self._get_param("StackDriftDetectionId")
    found = _DRIFT_DETECTIONS.get(detection_id)
    if found is None:
        raise ValidationError(message=f"Drift detection {detection_id} does not exist")
    result: dict[str, Any] = {
        "StackId": found["stack"].stack_id,
        "StackDriftDetectionId": detection_id,
        "DetectionStatus": "DETECTION_IN_PROGRESS",
        "Timestamp": found["at"],
    }
    if not _detection_complete(found):
        return ActionResult(result)
    drifted = [d for d in found["drifts"] if d["StackResourceDriftStatus"] in ("MODIFIED", "DELETED")]
    not_checked = [d for d in found["drifts"] if d["StackResourceDriftStatus"] == "NOT_CHECKED"]
    result.update(
        {
            "StackDriftStatus": found["status"],
            "DetectionStatus": "DETECTION_COMPLETE",
            "DriftedStackResourceCount": len(drifted),
        }
    )
    found["stack"].drift_information = {"StackDriftStatus": found["status"], "LastCheckTimestamp": found["at"]}
    if not_checked:
        result["DetectionStatusReason"] = "Drift is not checked by the moto sandbox for: " + "; ".join(
            f"{d['LogicalResourceId']} ({d['ResourceType']}: {d['SandboxReason']})" for d in not_checked
        )
    return ActionResult(result)


def _resp_describe_stack_resource_drifts(self: Any) -> Any:
    from moto.core.responses import ActionResult

    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    complete = [d for d in _DRIFT_DETECTIONS.values() if d["stack"] is stack and _detection_complete(d)]
    if not complete:
        return ActionResult({"StackResourceDrifts": []})
    filters = set(self._get_param("StackResourceDriftStatusFilters", []))
    drifts = [
        _public(d) for d in complete[-1]["drifts"] if not filters or d["StackResourceDriftStatus"] in filters
    ]
    return ActionResult({"StackResourceDrifts": drifts})


def _resp_detect_stack_resource_drift(self: Any) -> Any:
    from moto.core.responses import ActionResult

    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    logical_id = self._get_param("LogicalResourceId")
    resource = stack.resource_map._parsed_resources.get(logical_id)
    if resource is None or not hasattr(resource, "cf_resource_type"):
        raise ValidationError(message=f"Resource {logical_id} does not exist for stack {stack.name}")
    return ActionResult(
        {"StackResourceDrift": _public(_resource_drift(stack, resource, self.current_account, self.region))}
    )


def install_drift_api() -> None:
    from moto.cloudformation.responses import CloudFormationResponse

    CloudFormationResponse.detect_stack_drift = _resp_detect_stack_drift  # type: ignore[attr-defined]
    CloudFormationResponse.describe_stack_drift_detection_status = _resp_describe_stack_drift_detection_status  # type: ignore[attr-defined]
    CloudFormationResponse.describe_stack_resource_drifts = _resp_describe_stack_resource_drifts  # type: ignore[attr-defined]
    CloudFormationResponse.detect_stack_resource_drift = _resp_detect_stack_resource_drift  # type: ignore[attr-defined]



# ----------------------------------------------------------------------------------------------
# Drift-aware change sets: CreateChangeSet with DeploymentMode=REVERT_DRIFT (moto 5.2.5 ignores the field)
# ----------------------------------------------------------------------------------------------

# Resource types and the top-level properties whose drift the sandbox can put back to the template's values.
# A drifted property outside this list makes the change set FAILED with the reason (nothing is half reverted).
_EC2_TAGGED_TYPES = (
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::RouteTable",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::NatGateway",
    "AWS::EC2::FlowLog",
)
REVERTIBLE: dict[str, frozenset[str]] = {
    "AWS::EC2::SecurityGroup": frozenset({"SecurityGroupIngress", "SecurityGroupEgress", "Tags"}),
    **{t: frozenset({"Tags"}) for t in _EC2_TAGGED_TYPES},
    "AWS::IAM::Role": frozenset(
        {"Policies", "ManagedPolicyArns", "Tags", "AssumeRolePolicyDocument", "MaxSessionDuration", "Description"}
    ),
    "AWS::Logs::LogGroup": frozenset({"RetentionInDays", "Tags"}),
}

# A drift difference seen from the change that reverts it: an item added by hand is removed, and so on.
_REVERT_CHANGE_TYPE = {"ADD": "Remove", "REMOVE": "Add", "NOT_EQUAL": "Modify"}


class RevertDriftChange:
    """One ResourceChange of a drift-aware change set (serialised by moto's botocore-shape serializer)."""

    def __init__(self, drift_result: dict[str, Any]):
        self.action = "Modify"
        self.logical_resource_id = drift_result["LogicalResourceId"]
        self.physical_resource_id = drift_result.get("PhysicalResourceId")
        self.resource_type = drift_result["ResourceType"]
        self.replacement = "False"
        self.resource_drift_status = drift_result["StackResourceDriftStatus"]
        self.details = [self._detail(d) for d in drift_result["PropertyDifferences"]]
        self.scope = sorted({d["Target"]["Attribute"] for d in self.details})

    @staticmethod
    def _detail(difference: dict[str, str]) -> dict[str, Any]:
        name = difference["PropertyPath"].split("/")[1]
        return {
            "Target": {
                "Attribute": "Tags" if name == "Tags" else "Properties",
                "Name": name,
                "Path": difference["PropertyPath"],
                "RequiresRecreation": "Never",
                "BeforeValue": difference["ActualValue"],
                "AfterValue": difference["ExpectedValue"],
                "BeforeValueFrom": "ACTUAL_STATE",
                "AfterValueFrom": "TEMPLATE",
                "AttributeChangeType": _REVERT_CHANGE_TYPE[difference["DifferenceType"]],
                "Drift": {"ActualValue": difference["ActualValue"], "PreviousValue": difference["ExpectedValue"]},
            },
            "Evaluation": "Static",
            "ChangeSource": "DirectModification",
        }


def _unrevertible(drift_result: dict[str, Any]) -> str | None:
    """Why the sandbox cannot revert this drifted resource, or None when it can."""
    status = drift_result["StackResourceDriftStatus"]
    where = f"{drift_result['LogicalResourceId']} ({drift_result['ResourceType']})"
    if status == "DELETED":
        return f"{where} was deleted outside CloudFormation; the sandbox does not re-create deleted resources"
    allowed = REVERTIBLE.get(drift_result["ResourceType"], frozenset())
    names = sorted({d["PropertyPath"].split("/")[1] for d in drift_result["PropertyDifferences"]} - allowed)
    if names:
        return f"{where}: the sandbox cannot revert drift of {', '.join(names)}"
    return None


def _ec2_tags_revert(backend: Any, resource_id: str, expected: Any) -> None:
    wanted = _tag_list_to_dict(expected)
    live = {t["Key"]: t["Value"] for t in drift._ec2_tags(backend, resource_id)}
    extra = {k: None for k in live if k not in wanted}
    if extra:
        backend.delete_tags([resource_id], extra)
    if wanted:
        backend.create_tags([resource_id], wanted)


def _security_group_revert(resource: Any, expected: dict[str, Any], names: set[str], account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    group = backend.get_security_group_from_id(resource.id)
    standalone = drift._standalone_rule_ids()
    for name, egress in (("SecurityGroupIngress", False), ("SecurityGroupEgress", True)):
        if name not in names:
            continue
        peer, prefix = (
            ("DestinationSecurityGroupId", "DestinationPrefixListId")
            if egress
            else ("SourceSecurityGroupId", "SourcePrefixListId")
        )
        wanted = {drift._canon(r): r for r in expected.get(name) or []}
        rules = group.egress_rules if egress else group.ingress_rules
        present: set[str] = set()
        for rule in list(rules):
            if rule.id in standalone:
                continue
            key = drift._canon(drift.sg_rule_properties(rule, peer))
            if key in wanted and key not in present:
                present.add(key)
                continue
            revoke = backend.revoke_security_group_egress if egress else backend.revoke_security_group_ingress
            revoke(group.id, None, None, None, [], security_rule_ids=[rule.id], vpc_id=group.vpc_id)
        for key, rule_props in wanted.items():
            if key not in present:
                args = _sg_rule_args({**rule_props, "GroupId": group.id}, peer, prefix)
                authorize = backend.authorize_security_group_egress if egress else backend.authorize_security_group_ingress
                authorize(**args, vpc_id=group.vpc_id)
    if "Tags" in names:
        _ec2_tags_revert(backend, group.id, expected.get("Tags"))


def _ec2_tagged_revert(resource: Any, expected: dict[str, Any], names: set[str], account_id: str, region_name: str) -> None:
    _ec2_tags_revert(_ec2(account_id, region_name), resource.physical_resource_id, expected.get("Tags"))


def _document(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _iam_role_revert(resource: Any, expected: dict[str, Any], names: set[str], account_id: str, region_name: str) -> None:
    backend = iam_backends[account_id][get_partition(region_name)]
    role = backend.roles[resource.id]
    if "Policies" in names:
        wanted = {p["PolicyName"]: p["PolicyDocument"] for p in expected.get("Policies") or []}
        for name in list(role.policies):
            if name not in wanted:
                backend.delete_role_policy(role.name, name)
        for name, document in wanted.items():
            backend.put_role_policy(role.name, name, _document(document))
    if "ManagedPolicyArns" in names:
        wanted_arns = set(expected.get("ManagedPolicyArns") or [])
        for arn in list(role.managed_policies):
            if arn not in wanted_arns:
                backend.detach_role_policy(arn, role.name)
        for arn in sorted(wanted_arns - set(role.managed_policies)):
            _ensure_aws_managed_policy(backend, arn)
            backend.attach_role_policy(arn, role.name)
    if "AssumeRolePolicyDocument" in names:
        backend.update_assume_role_policy(role.name, _document(expected["AssumeRolePolicyDocument"]))
    if "MaxSessionDuration" in names:
        role.max_session_duration = int(expected["MaxSessionDuration"])
    if "Description" in names:
        role.description = expected.get("Description")
    if "Tags" in names:
        wanted_tags = _tag_list_to_dict(expected.get("Tags"))
        live = {t["Key"]: t["Value"] for t in (role.tags.values() if isinstance(role.tags, dict) else role.tags)}
        extra = [k for k in live if k not in wanted_tags and not k.startswith("aws:")]
        if extra:
            backend.untag_role(role.name, extra)
        if wanted_tags:
            backend.tag_role(role.name, [{"Key": k, "Value": v} for k, v in wanted_tags.items()])


def _log_group_revert(resource: Any, expected: dict[str, Any], names: set[str], account_id: str, region_name: str) -> None:
    from moto.logs import models as logs_models

    backend = logs_models.logs_backends[account_id][region_name]
    group = backend.groups[resource.name]
    if "RetentionInDays" in names:
        if expected.get("RetentionInDays") is None:
            backend.delete_retention_policy(group.name)
        else:
            backend.put_retention_policy(group.name, int(expected["RetentionInDays"]))
    if "Tags" in names:
        wanted = _tag_list_to_dict(expected.get("Tags"))
        live = backend.list_tags_for_resource(group.arn)
        extra = [k for k in live if k not in wanted and not str(k).startswith("aws:")]
        if extra:
            backend.untag_resource(group.arn, extra)
        if wanted:
            backend.tag_resource(group.arn, wanted)


_REVERTERS: dict[str, Any] = {
    "AWS::EC2::SecurityGroup": _security_group_revert,
    **{t: _ec2_tagged_revert for t in _EC2_TAGGED_TYPES},
    "AWS::IAM::Role": _iam_role_revert,
    "AWS::Logs::LogGroup": _log_group_revert,
}


def _revert_drift(stack: Any, logical_ids: list[str], account_id: str, region_name: str) -> None:
    """ExecuteChangeSet of a REVERT_DRIFT change set: each listed resource's drifted properties back to the
    template's values, as they are drifted *now* (a resource back in sync meanwhile is left alone)."""
    resources = stack.resource_map._parsed_resources
    for logical_id in logical_ids:
        resource = resources.get(logical_id)
        if resource is None or isinstance(resource, str):
            continue
        found = _resource_drift(stack, resource, account_id, region_name)
        if found["StackResourceDriftStatus"] != "MODIFIED":
            continue
        reason = _unrevertible(found)
        if reason:
            raise ValidationError(message=reason)
        cfn_engine._resource_event(stack, logical_id, found["ResourceType"], "UPDATE_IN_PROGRESS", "Reverting drift")
        names = {d["PropertyPath"].split("/")[1] for d in found["PropertyDifferences"]}
        _REVERTERS[found["ResourceType"]](resource, drift.expected_properties(resource) or {}, names, account_id, region_name)
        cfn_engine._resource_event(stack, logical_id, found["ResourceType"], "UPDATE_COMPLETE", "Drift reverted")


_original_create_change_set: Any = None


def _resp_create_change_set(self: Any) -> Any:
    """CreateChangeSet: DeploymentMode=REVERT_DRIFT makes a drift-aware change set on an existing stack — one
    Modify change per drifted resource, a detail per property path (before = live, after = template). Without
    drift, FAILED with AWS's "didn't contain changes". Only the stack's deployed template and parameters are
    supported (UsePreviousTemplate, or the same body): the sandbox reverts drift, it does not also update."""
    from moto.cloudformation.models import ChangeSet
    from moto.cloudformation.utils import generate_changeset_id
    from moto.core.responses import ActionResult

    if self._get_param("DeploymentMode") != "REVERT_DRIFT":
        return _original_create_change_set(self)
    backend = self.cloudformation_backend
    stack_name = self._get_param("StackName")
    name = self._get_param("ChangeSetName")
    if self._get_param("ChangeSetType", "UPDATE") != "UPDATE":
        raise ValidationError(message="DeploymentMode REVERT_DRIFT needs an existing stack (ChangeSetType UPDATE)")
    stack = backend.get_stack(stack_name)
    if stack.status.endswith(_DRIFT_REFUSED_SUFFIXES) or stack.status in ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS"):
        raise ValidationError(message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")
    body = self._get_param("TemplateBody")
    if body and not self._get_bool_param("UsePreviousTemplate", False) and body != stack.template:
        raise ValidationError(
            message="the moto sandbox makes REVERT_DRIFT change sets with the deployed template only, not a different template: "
            "use UsePreviousTemplate=true (or the same template body)"
        )
    for existing in backend.change_sets.values():  # ClientToken / same name: the same change set again
        if existing.change_set_name == name and existing.stack_id == stack.stack_id:
            return ActionResult({"Id": existing.change_set_id, "StackId": stack.stack_id})
    drifts = [
        _resource_drift(stack, r, self.current_account, self.region)
        for r in stack.stack_resources
        if r is not None and hasattr(r, "cf_resource_type")
    ]
    drifted = [d for d in drifts if d["StackResourceDriftStatus"] in ("MODIFIED", "DELETED")]
    change_set = ChangeSet(
        change_set_type="UPDATE",
        change_set_id=generate_changeset_id(name, self.region, self.current_account),
        change_set_name=name,
        stack=stack,
        template=stack.template,
        parameters=dict(stack.parameters),
        description=self._get_param("Description"),
        notification_arns=stack.notification_arns,
        tags=dict(stack.tags),
        role_arn=self._get_param("RoleARN"),
    )
    change_set.deployment_mode = "REVERT_DRIFT"  # type: ignore[attr-defined]
    change_set.changes = [RevertDriftChange(d) for d in drifted]
    reasons = [r for r in (_unrevertible(d) for d in drifted) if r]
    if not drifted:
        change_set.status = "FAILED"
        change_set.execution_status = "UNAVAILABLE"
        change_set.status_reason = (
            "The submitted information didn't contain changes. Submit different information to create a change set."
        )
    elif reasons:
        change_set.status = "FAILED"
        change_set.execution_status = "UNAVAILABLE"
        change_set.status_reason = "; ".join(reasons)
    else:
        change_set.status = "CREATE_COMPLETE"
        change_set.execution_status = "AVAILABLE"
        logical_ids = [d["LogicalResourceId"] for d in drifted]
        account, region = self.current_account, self.region
        change_set.sandbox_apply = lambda: _revert_drift(stack, logical_ids, account, region)  # type: ignore[attr-defined]
    backend.change_sets[change_set.change_set_id] = change_set
    return ActionResult({"Id": change_set.change_set_id, "StackId": stack.stack_id})


def install_revert_drift_change_sets() -> None:
    global _original_create_change_set
    from moto.cloudformation.responses import CloudFormationResponse

    if _original_create_change_set is None:
        _original_create_change_set = CloudFormationResponse.create_change_set
    CloudFormationResponse.create_change_set = _resp_create_change_set  # type: ignore[method-assign]


EXTENSION_TYPES: list[type[_ExtModel]] = [
    CfnNetworkAcl,
    CfnNetworkAclEntry,
    CfnSubnetNetworkAclAssociation,
    CfnVpcCidrBlock,
    CfnSecurityGroupEgress,
    CfnSecurityGroupIngress,
    CfnOidcProvider,
    CfnEksCluster,
    CfnEksNodegroup,
    CfnEksAddon,
]


def install() -> None:
    """Make moto's CloudFormation engine see the classes above and add the EKS add-on API."""
    install_eks_addon_api()
    install_drift_api()
    install_revert_drift_change_sets()
    cost_explorer.install()
    cfn_engine.install()
    drift.record_expected_properties(_complete_native_create)
    SecurityGroup.create_from_cloudformation_json = classmethod(_security_group_create)  # type: ignore[assignment]
    IamRole.create_from_cloudformation_json = classmethod(_iam_role_create)  # type: ignore[assignment]
    IamRole.delete_from_cloudformation_json = classmethod(_iam_role_delete)  # type: ignore[assignment]
    elbv2_fixes.install()
    # The model list is lru_cached on first use; clear it so it is rebuilt with our subclasses included.
    for cached in (cfn_parsing.get_model_list, cfn_parsing.get_model_map, cfn_parsing.get_name_type_map):
        cached.cache_clear()
    model_map = cfn_parsing.get_model_map()
    for cls in EXTENSION_TYPES:
        registered = model_map.get(cls.cloudformation_type())
        if registered is not cls:
            raise SystemExit(f"sandbox/moto/server.py: {cls.cloudformation_type()} resolves to {registered}, not {cls}")


def main(argv: list[str] | None = None) -> None:
    install()
    from moto.server import main as moto_main

    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()

