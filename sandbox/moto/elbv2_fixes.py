"""Fixes to moto 5.2.5's ELBv2 backend, so the sandbox's ALBs behave like AWS where rollouts depend on it.

Installed by server.py (``elbv2_fixes.install()``), after its moto version check.

| moto 5.2.5 behaviour | AWS / now |
|---|---|
| ``CreateLoadBalancer`` with a name that exists creates a *second* load balancer of that name (the duplicate check compares ARNs, which contain a fresh random id) | same name and same settings (type, scheme, subnets) → the existing load balancer is returned (the call is idempotent); different settings → ``DuplicateLoadBalancerName`` |
| ``CreateListener`` on a port that already has a listener creates a second listener on that port (the check compares the port with listener ARNs) | same port, protocol and default actions → the existing listener is returned; otherwise ``DuplicateListener`` |
| ``ModifyListener`` accepts default actions forwarding to target groups that do not exist, and any weights | ``TargetGroupNotFound`` for an unknown target group ARN; weights outside 0..999 → ``ValidationError`` |

Both create calls run under one lock: moto's server answers requests on several threads, and two sandbox
seeders racing each other must end with one load balancer and one listener, as they would in AWS.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.elbv2.exceptions import (
    ActionTargetGroupNotFoundError,
    DuplicateListenerError,
    DuplicateLoadBalancerName,
    ValidationError,
)
from moto.elbv2.models import ELBv2Backend, FakeAction

_LOCK = threading.RLock()
_original_create_load_balancer = ELBv2Backend.create_load_balancer
_original_create_listener = ELBv2Backend.create_listener
_original_modify_listener = ELBv2Backend.modify_listener


def _subnet_ids(subnet_ids: list[str] | None, subnet_mappings: list[dict[str, str]] | None) -> set[str]:
    return set(subnet_ids or []) | {m["SubnetId"] for m in (subnet_mappings or []) if "SubnetId" in m}


def create_load_balancer(
    self: ELBv2Backend,
    name: str,
    security_groups: list[str],
    subnet_ids: list[str],
    subnet_mappings: list[dict[str, str]] | None = None,
    scheme: str = "internet-facing",
    loadbalancer_type: str | None = None,
    ip_address_type: str = "ipv4",
    tags: list[dict[str, str]] | None = None,
) -> Any:
    with _LOCK:
        for existing in self.load_balancers.values():
            if existing.name != name:
                continue
            same = (
                existing.type == (loadbalancer_type or "application")
                and existing.scheme == (scheme or "internet-facing")
                and {s.id for s in existing.subnets} == _subnet_ids(subnet_ids, subnet_mappings)
            )
            if same:
                return existing
            raise DuplicateLoadBalancerName()
        return _original_create_load_balancer(
            self,
            name=name,
            security_groups=security_groups,
            subnet_ids=subnet_ids,
            subnet_mappings=subnet_mappings,
            scheme=scheme,
            loadbalancer_type=loadbalancer_type,
            ip_address_type=ip_address_type,
            tags=tags,
        )


def create_listener(
    self: ELBv2Backend,
    load_balancer_arn: str,
    protocol: str,
    port: str,
    ssl_policy: str,
    certificate: str | None,
    actions: list[dict[str, Any]],
    alpn_policy: list[str] | None = None,
    tags: list[dict[str, str]] | None = None,
) -> Any:
    with _LOCK:
        balancer = self.load_balancers.get(load_balancer_arn)
        if balancer is not None:
            for existing in balancer.listeners.values():
                if str(existing.port) != str(port):
                    continue
                same_actions = [a.data for a in existing.default_actions] == [FakeAction(a).data for a in actions]
                if existing.protocol == protocol and same_actions:
                    return existing
                raise DuplicateListenerError()
        return _original_create_listener(
            self,
            load_balancer_arn,
            protocol,
            port,
            ssl_policy,
            certificate,
            actions,
            alpn_policy,
            tags,
        )


def modify_listener(
    self: ELBv2Backend,
    arn: str,
    port: str | None = None,
    protocol: str | None = None,
    ssl_policy: str | None = None,
    certificates: list[dict[str, Any]] | None = None,
    actions: list[dict[str, Any]] | None = None,
) -> Any:
    known = {tg.arn for tg in self.target_groups.values()}
    for action in actions or []:
        data = FakeAction(action).data
        if data.get("Type") != "forward":
            continue
        for tg_arn in self._get_target_group_arns_from(action_data=data):
            if tg_arn not in known:
                raise ActionTargetGroupNotFoundError(tg_arn)
        for tg in (data.get("ForwardConfig") or {}).get("TargetGroups", []) or []:
            weight = tg.get("Weight")
            if weight is not None and not 0 <= int(weight) <= 999:
                raise ValidationError(
                    f"1 validation error detected: Value '{weight}' at 'weight' failed to satisfy constraint: "
                    "Member must have value between 0 and 999",
                )
    return _original_modify_listener(self, arn, port, protocol, ssl_policy, certificates, actions)


def install() -> None:
    ELBv2Backend.create_load_balancer = create_load_balancer  # type: ignore[method-assign]
    ELBv2Backend.create_listener = create_listener  # type: ignore[method-assign]
    ELBv2Backend.modify_listener = modify_listener  # type: ignore[method-assign]
