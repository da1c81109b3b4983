"""Fixes to moto 5.2.5's CloudFormation engine and to some of moto's own resource models.

Imported by server.py *after* its moto version check; everything here patches moto internals
(``ResourceMap``, ``CloudFormationBackend``, ``CloudFormationResponse`` and a few model classes) and is
therefore written against exactly that moto version. ``install()`` applies all patches; each patch is a
small function below with the moto behaviour it replaces described next to it. See README.md.

Summary:

* Creation order. moto creates resources lazily: ``ResourceMap[name]`` creates a resource the first time
  something references it. ``create_stack`` evaluated the stack's exports (and so every resource an output
  references, and their references) *before* creating the resources in order, and lazy creation ignores
  ``DependsOn``. Now: the template's dependency graph (DependsOn + Ref + Fn::GetAtt + Fn::Sub) is sorted
  topologically (cycles and unknown DependsOn targets are template errors, as in AWS), resources are created
  in that order, lazy creation creates ``DependsOn`` targets first, and outputs/exports are evaluated last.
  Deletion runs in the reverse order.
* Read paths never create resources: DescribeStacks (outputs) or DescribeStackResources on a failed stack
  used to retry creating the missing resources (and fail with an HTML 500 again).
* Failures behave like CloudFormation: a resource that fails to create makes the stack roll back
  (created resources are deleted, status ``ROLLBACK_COMPLETE`` with a reason and a ``CREATE_FAILED`` event
  naming the resource) instead of an HTTP 500; a failed update ends ``UPDATE_ROLLBACK_FAILED`` (the sandbox
  cannot undo a half-applied update); a failed delete ends ``DELETE_FAILED`` and the stack stays.
* Change sets: a ``CREATE`` change set is executed like ``create_stack`` (same order, outputs, exports and
  ``aws:cloudformation:*`` tags: moto gave such stacks no outputs and registered no exports); exports are
  re-published after updates; executing a change set that is not ``AVAILABLE`` fails with
  ``InvalidChangeSetStatus`` (moto re-applied it); executing one makes the stack's other change sets
  ``OBSOLETE``; ListChangeSets / DescribeChangeSet / DeleteChangeSet / ExecuteChangeSet honour ``StackName``.
* A resource type without in-place update support is kept on update (moto replaced it by ``None``: the
  resource disappeared from the stack and was never deleted).
* moto models: ``AWS::KMS::Key`` accepts standard ``Tags`` (moto raised ``KeyError: 'TagKey'``) and a
  ``KeyPolicy`` object; ``AWS::Logs::LogGroup`` applies ``KmsKeyId`` (moto dropped it); NAT gateways and
  EIPs get their template ``Tags``; NAT gateways, EIPs and flow logs are deleted with the stack.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.cloudformation import parsing as cfn_parsing
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation.exceptions import AlreadyExistsException, CloudFormationError, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Event, Stack
from moto.cloudformation.parsing import ResourceMap
from moto.cloudformation.utils import generate_stack_id
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult
from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_ip_addresses import ElasticAddress
from moto.ec2.models.flow_logs import FlowLogs
from moto.ec2.models.internet_gateways import InternetGateway
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.route_tables import Route, RouteTable
from moto.ec2.models.subnets import SubnetRouteTableAssociation
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
from moto.kms import models as kms_models
from moto.logs import models as logs_models

# ----------------------------------------------------------------------------------------------
# errors (the codes are the AWS error shapes; moto's serializer adds the HTTP status from the model)
# ----------------------------------------------------------------------------------------------


class InvalidChangeSetStatusError(CloudFormationError):
    code = "InvalidChangeSetStatusException"  # wire code "InvalidChangeSetStatus", HTTP 400

    def __init__(self, change_set: Any):
        super().__init__(
            f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current execution status of "
            f"[{change_set.execution_status}]"
        )


class ChangeSetNotFoundError(CloudFormationError):
    code = "ChangeSetNotFoundException"  # wire code "ChangeSetNotFound", HTTP 404

    def __init__(self, name: str):
        super().__init__(f"ChangeSet [{name}] does not exist")


def _reason(exc: BaseException) -> str:
    """A one-line, CloudFormation-style reason for a failed operation."""
    if isinstance(exc, ServiceException):
        return f"{exc.message} (Service error code: {exc.code})"
    message = getattr(exc, "message", None) or getattr(exc, "description", None) or str(exc)
    return f"{type(exc).__name__}: {message}"


# ----------------------------------------------------------------------------------------------
# dependency graph
# ----------------------------------------------------------------------------------------------

_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")  # ${Name} / ${Name.Attr}; ${!Literal} is not a reference


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _references(node: Any, local_names: frozenset[str] = frozenset()) -> Iterator[str]:
    """Every logical name referenced by Ref, Fn::GetAtt or Fn::Sub inside `node`.

    `local_names` are the variables of an enclosing Fn::Sub variable map, which shadow template names.
    """
    if isinstance(node, list):
        for item in node:
            yield from _references(item, local_names)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "Ref" and isinstance(value, str):
            yield value
        elif key == "Fn::GetAtt":
            target = value.split(".", 1)[0] if isinstance(value, str) else value[0]
            if isinstance(target, str):
                yield target
        elif key == "Fn::Sub":
            text, variables = (value[0], value[1] if len(value) > 1 else {}) if isinstance(value, list) else (value, {})
            yield from _references(variables, local_names)
            if isinstance(text, str):
                shadowed = local_names | frozenset(variables)
                for match in _SUB_VARIABLE.findall(text):
                    name = match.split(".", 1)[0].strip()
                    if name not in shadowed:
                        yield name
        else:
            yield from _references(value, local_names)


def _resource_dependencies(template: dict[str, Any]) -> dict[str, list[str]]:
    """logical id -> the resources it must wait for (DependsOn plus implicit references), template order.

    Raises the template errors AWS raises for a DependsOn on an unknown resource or a Ref to an unknown name.
    """
    resources: dict[str, Any] = template.get("Resources") or {}
    parameters = set(template.get("Parameters") or {})
    names = list(resources)
    known = set(names)
    dependencies: dict[str, list[str]] = {}
    for name, body in resources.items():
        body = body or {}
        depends_on = _as_list(body.get("DependsOn"))
        unknown = [d for d in depends_on if d not in known]
        if unknown:
            raise ValidationError(
                message=f"Template format error: Unresolved resource dependencies {unknown} in the Resources block of the template"
            )
        referenced = set()
        for ref in _references({k: v for k, v in body.items() if k != "DependsOn"}):
            if ref in known:
                referenced.add(ref)
            elif ref not in parameters and not ref.startswith("AWS::"):
                raise ValidationError(
                    message=f"Template format error: Unresolved resource dependencies [{ref}] in the Resources block of the template"
                )
        wanted = set(depends_on) | referenced
        wanted.discard(name)  # a self-reference is reported as a cycle below only if it is a DependsOn
        if name in depends_on:
            wanted.add(name)
        dependencies[name] = [n for n in names if n in wanted]
    return dependencies


def dependency_order(template: dict[str, Any]) -> list[str]:
    """The template's resources in creation order: every resource after all it depends on.

    Ties keep template order. A cycle is the template error AWS reports.
    """
    dependencies = _resource_dependencies(template)
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = path[path.index(name) :]
            raise ValidationError(message=f"Circular dependency between resources: {sorted(set(cycle))}")
        state[name] = "visiting"
        for dependency in dependencies[name]:
            visit(dependency, [*path, name])
        state[name] = "done"
        order.append(name)

    for name in dependencies:
        visit(name, [])
    return order


def _deletion_order(template: dict[str, Any]) -> list[str]:
    """Reverse creation order; falls back to reverse template order for a template that never validated."""
    try:
        return list(reversed(dependency_order(template)))
    except ValidationError:
        return list(reversed(list(template.get("Resources") or {})))


# ----------------------------------------------------------------------------------------------
# ResourceMap: ordered creation, no creation from read paths, ordered deletion, updates keep resources
# ----------------------------------------------------------------------------------------------

_original_getitem = ResourceMap.__getitem__
_original_parse_and_update_resource = cfn_parsing.parse_and_update_resource


@contextmanager
def _creating(resource_map: ResourceMap) -> Iterator[None]:
    """Allow `resource_map[...]` to create resources (only stack create/update operations may)."""
    previous = getattr(resource_map, "_sandbox_creating", False)
    resource_map._sandbox_creating = True  # type: ignore[attr-defined]
    resource_map._sandbox_failed = None  # type: ignore[attr-defined]
    try:
        yield
    finally:
        resource_map._sandbox_creating = previous  # type: ignore[attr-defined]


def _resource_map_getitem(self: ResourceMap, key: str) -> Any:
    """moto's lazy lookup, plus: DependsOn targets are created first; outside a create/update nothing is created.

    moto's read paths (DescribeStacks outputs, DescribeStackResources) go through this lookup too; on a stack
    whose creation failed they used to retry creating the missing resources.
    """
    if key in self._parsed_resources:
        return self._parsed_resources[key]
    body = self._resource_json_map.get(key)
    if not body:
        return _original_getitem(self, key)  # raises KeyError as moto does
    if not getattr(self, "_sandbox_creating", False):
        return None
    for dependency in _as_list(body.get("DependsOn")):
        if dependency != key and dependency in self._resource_json_map:
            self[dependency]
    try:
        return _original_getitem(self, key)
    except Exception as exc:
        # Remember the innermost failure: it names the resource that really failed (lazy creation nests).
        if getattr(self, "_sandbox_failed", None) is None:
            self._sandbox_failed = (key, body.get("Type"), exc)  # type: ignore[attr-defined]
        raise


def _resource_map_dependency_order(self: ResourceMap) -> list[str]:
    return dependency_order(self._template)


def _resource_map_delete(self: ResourceMap) -> None:
    """Delete in reverse dependency order; retry passes for what still fails (as moto does), then give up."""
    remaining = [
        name
        for name in _deletion_order(self._template)
        if (self._resource_json_map.get(name) or {}).get("DeletionPolicy") != "Retain"
    ]
    last_exception: Exception | None = None
    progress = True
    while remaining and progress:
        progress = False
        for name in list(remaining):
            resource = self._parsed_resources.get(name)
            if resource is None or isinstance(resource, str):
                remaining.remove(name)  # never created (or a false Condition)
                progress = True
                continue
            try:
                self._delete_resource(resource, self._resource_json_map[name])
            except Exception as exc:  # noqa: BLE001 - dependency violation: try again after the others
                last_exception = exc
            else:
                self._parsed_resources.pop(name, None)
                remaining.remove(name)
                progress = True
    if remaining and last_exception is not None:
        raise last_exception


def _parse_and_update_resource(logical_id: str, resource_json: Any, resources_map: ResourceMap, **kwargs: Any) -> Any:
    """moto returns None for types without update support, and the stack then forgets the resource.

    Keep the existing resource instead (its changed properties are not applied; see README.md).
    """
    updated = _original_parse_and_update_resource(logical_id, resource_json, resources_map, **kwargs)
    if updated is None:
        return resources_map._parsed_resources.get(logical_id)
    return updated


def _stack_resources(self: Stack) -> list[Any]:
    """The stack's created resources, in template order (never creates anything, never yields None)."""
    resource_map = self.resource_map
    return [
        resource_map._parsed_resources[name]
        for name in resource_map._resource_json_map
        if resource_map._parsed_resources.get(name) is not None
        and not isinstance(resource_map._parsed_resources[name], str)
    ]


_original_outputs = Stack.outputs.fget  # type: ignore[attr-defined]
# Statuses in which a stack's resources do not (all) exist: AWS shows no outputs then.
_NO_OUTPUTS = {
    "REVIEW_IN_PROGRESS",
    "CREATE_IN_PROGRESS",
    "ROLLBACK_IN_PROGRESS",
    "ROLLBACK_FAILED",
    "ROLLBACK_COMPLETE",
    "DELETE_IN_PROGRESS",
    "DELETE_COMPLETE",
}


def _stack_outputs(self: Stack) -> Any:
    """DescribeStacks outputs; never an HTTP 500 (moto evaluated them even for deleted or failed stacks)."""
    if self.status in _NO_OUTPUTS:
        return None
    try:
        return _original_outputs(self)
    except Exception:  # noqa: BLE001 - an output over a resource that is gone: no outputs rather than a 500
        return None


# ----------------------------------------------------------------------------------------------
# stack operations: create / update / delete / change sets
# ----------------------------------------------------------------------------------------------


def _resource_event(stack: Stack, logical_id: str, resource_type: str | None, status: str, reason: str) -> None:
    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id="",
            resource_type=resource_type or "",
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


def _failure(stack: Stack, exc: Exception, action: str) -> str:
    """Record the failed resource's event; return the stack-level reason."""
    failed = getattr(stack.resource_map, "_sandbox_failed", None)
    if failed is not None:
        logical_id, resource_type, resource_exc = failed
        _resource_event(stack, logical_id, resource_type, f"{action}_FAILED", _reason(resource_exc))
        return f"The following resource(s) failed to {action.lower()}: [{logical_id}]. {_reason(resource_exc)}"
    return _reason(exc)


def _publish_exports(backend: CloudFormationBackend, stack: Stack) -> None:
    """(Re)register the stack's exports: evaluated only now, after its resources exist."""
    exports = stack.exports
    for export in exports:
        owner = backend.exports.get(export.name)
        if owner is not None and owner.exporting_stack_id != stack.stack_id:
            owner_stack = backend.stacks.get(owner.exporting_stack_id)
            raise ValidationError(
                message=f"Export with name {export.name} is already exported by stack "
                f"{owner_stack.name if owner_stack else owner.exporting_stack_id}"
            )
    for name in [n for n, e in backend.exports.items() if e.exporting_stack_id == stack.stack_id]:
        del backend.exports[name]
    for export in exports:
        backend.exports[export.name] = export


def _run_create(backend: CloudFormationBackend, stack: Stack) -> bool:
    """Create the stack's resources in dependency order, then its outputs/exports; roll back on failure."""
    stack.status = "CREATE_IN_PROGRESS"
    try:
        with _creating(stack.resource_map):
            # ResourceMap.create also puts the aws:cloudformation:* tags on EC2 resources.
            ready = stack.resource_map.create(stack.template_dict)
            stack.description = stack.template_dict.get("Description")
            if ready:
                _publish_exports(backend, stack)
    except Exception as exc:  # noqa: BLE001 - any failure rolls the stack back, as CloudFormation does
        reason = _failure(stack, exc, "CREATE")
        stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
        stack.status_reason = reason  # type: ignore[attr-defined]
        try:
            stack.resource_map.delete()
        except Exception as rollback_exc:  # noqa: BLE001
            stack.status = "ROLLBACK_FAILED"
            stack.status_reason = f"{reason} Rollback failed: {_reason(rollback_exc)}"  # type: ignore[attr-defined]
            stack._add_stack_event("ROLLBACK_FAILED", resource_status_reason=stack.status_reason)  # type: ignore[attr-defined]
            return False
        stack.status = "ROLLBACK_COMPLETE"
        stack._add_stack_event("ROLLBACK_COMPLETE")
        return False
    if ready:
        stack.mark_creation_complete()
    return True


def _run_update(backend: CloudFormationBackend, stack: Stack, apply: Callable[[], None]) -> bool:
    """Apply an update (UpdateStack or an UPDATE change set), then re-publish the exports.

    A failure leaves whatever was applied in place: the sandbox cannot roll an update back, so the stack ends
    UPDATE_ROLLBACK_FAILED (the AWS status for "stack is not in a known state") with the reason.
    """
    stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.status = "UPDATE_IN_PROGRESS"
    try:
        with _creating(stack.resource_map):
            apply()
            stack.output_map = stack._create_output_map()
            _publish_exports(backend, stack)
    except Exception as exc:  # noqa: BLE001
        reason = _failure(stack, exc, "UPDATE")
        stack.status = "UPDATE_ROLLBACK_FAILED"
        stack.status_reason = f"{reason} The moto sandbox does not roll updates back."  # type: ignore[attr-defined]
        stack._add_stack_event("UPDATE_ROLLBACK_FAILED", resource_status_reason=stack.status_reason)  # type: ignore[attr-defined]
        return False
    stack.status = "UPDATE_COMPLETE"
    stack.status_reason = None  # type: ignore[attr-defined]
    stack._add_stack_event("UPDATE_COMPLETE")
    return True


def create_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    parameters: dict[str, Any],
    notification_arns: list[str] | None = None,
    tags: dict[str, str] | None = None,
    role_arn: str | None = None,
    enable_termination_protection: bool | None = False,
    timeout_in_mins: int | None = None,
    stack_policy_body: str | None = None,
) -> Stack:
    """moto's create_stack, with exports evaluated after (not before) the resources exist."""
    if name in [stack.name for stack in self.stacks.values()]:
        raise AlreadyExistsException(f"Stack {name} already exists")
    stack = Stack(
        stack_id=generate_stack_id(name, self.region_name, self.account_id),
        name=name,
        template=template,
        parameters=parameters,
        account_id=self.account_id,
        region_name=self.region_name,
        notification_arns=notification_arns,
        tags=tags,
        role_arn=role_arn,
        cross_stack_resources=self.exports,
        enable_termination_protection=enable_termination_protection,
        timeout_in_mins=timeout_in_mins,
        stack_policy_body=stack_policy_body,
    )
    dependency_order(stack.template_dict)  # template errors are synchronous ValidationErrors, as in AWS
    self.stacks[stack.stack_id] = stack
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    _run_create(self, stack)
    return stack


def update_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    role_arn: str | None,
    parameters: list[dict[str, Any]],
    tags: dict[str, str] | None,
) -> Stack:
    """moto's update_stack (Stack.update), with ordered creation, failure status and re-published exports."""
    stack = self.get_stack(name)
    resolved = self._resolve_update_parameters(instance=stack, incoming_params=parameters)
    dependency_order(Stack.parse_template(template))

    def apply() -> None:
        stack.template = template
        stack._parse_template()
        stack.resource_map.update(stack.template_dict, resolved)

    if _run_update(self, stack, apply):
        stack.role_arn = role_arn
        if resolved:
            stack.parameters = resolved
        if tags is not None:
            stack.tags = tags
    return stack


def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    """moto's delete_stack; a failed deletion leaves the stack DELETE_FAILED (moto lost it and kept its exports)."""
    stack = self.stacks.get(name_or_stack_id) or next(
        (s for s in self.stacks.values() if s.name == name_or_stack_id), None
    )
    if stack is None:
        return  # AWS: deleting an unknown stack succeeds
    stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.status = "DELETE_IN_PROGRESS"
    try:
        stack.resource_map.delete()
    except Exception as exc:  # noqa: BLE001
        stack.status = "DELETE_FAILED"
        stack.status_reason = f"The following resource(s) failed to delete: {_reason(exc)}"  # type: ignore[attr-defined]
        stack._add_stack_event("DELETE_FAILED", resource_status_reason=stack.status_reason)  # type: ignore[attr-defined]
        return
    stack.status = "DELETE_COMPLETE"
    stack.status_reason = None  # type: ignore[attr-defined]
    stack._add_stack_event("DELETE_COMPLETE")
    del self.stacks[stack.stack_id]
    self.deleted_stacks[stack.stack_id] = stack
    for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
        del self.exports[name]


def find_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> Any:
    """A change set by ARN, or by name within the given stack (moto ignored the stack: any stack's one matched)."""
    if change_set_name in self.change_sets:
        return self.change_sets[change_set_name]
    if not stack_name:
        raise ValidationError(message="StackName must be specified if ChangeSetName is not specified as an ARN.")
    for change_set in self.change_sets.values():
        if change_set.change_set_name == change_set_name and stack_name in (change_set.stack_name, change_set.stack_id):
            return change_set
    if not any(stack_name in (s.name, s.stack_id) for s in self.stacks.values()):
        raise ValidationError(message=f"Stack [{stack_name}] does not exist")
    raise ChangeSetNotFoundError(change_set_name)


# moto serves requests on threads: the status check and the execution hold one lock, so calls that arrive together
# (retries answered at once after an outage) run a change set once, as AWS does; without it several passed the
# AVAILABLE check before any set EXECUTE_IN_PROGRESS and the stack was created several times.
_EXECUTE_LOCK = threading.Lock()


def execute_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> None:
    with _EXECUTE_LOCK:
        _execute_change_set(self, change_set_name, stack_name)


def _execute_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> None:
    change_set = find_change_set(self, change_set_name, stack_name)
    if change_set.execution_status != "AVAILABLE":
        # AWS refuses EXECUTE_COMPLETE / EXECUTE_IN_PROGRESS / EXECUTE_FAILED / OBSOLETE / UNAVAILABLE.
        raise InvalidChangeSetStatusError(change_set)
    stack = self.stacks.get(change_set.stack_id)
    if stack is None:
        raise ValidationError(message=f"Stack [{change_set.stack_name}] does not exist")
    # Template errors are reported before anything changes (AWS reports them when the change set is made).
    dependency_order(change_set.template_dict)
    if change_set.change_set_type == "CREATE":
        # moto made the stack from an empty template (REVIEW_IN_PROGRESS) and without the region's exports;
        # give it the change set's template, parameters and the exports, then create it like create_stack.
        stack.template = change_set.template
        stack._parse_template()
        stack.parameters = change_set.parameters
        stack.cross_stack_resources = self.exports
        resource_map = stack.resource_map
        resource_map._template = stack.template_dict
        resource_map._resource_json_map = stack.template_dict.get("Resources") or {}
        resource_map.input_parameters = change_set.parameters
        resource_map.cross_stack_resources = self.exports
        resource_map.load()  # parameters/conditions/outputs; a ValidationError leaves the change set AVAILABLE
        stack.output_map = stack._create_output_map()
        change_set.execution_status = "EXECUTE_IN_PROGRESS"
        stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        ok = _run_create(self, stack)
    elif getattr(change_set, "sandbox_apply", None) is not None:
        # A drift-aware (REVERT_DRIFT) change set: the resources go back to the template; the template stays.
        change_set.execution_status = "EXECUTE_IN_PROGRESS"
        ok = _run_update(self, stack, change_set.sandbox_apply)
    else:
        change_set.execution_status = "EXECUTE_IN_PROGRESS"

        def apply() -> None:
            stack.resource_map.update(change_set.template_dict, change_set.parameters)
            stack.template = change_set.template
            stack._parse_template()
            if change_set.parameters:
                stack.parameters = change_set.parameters

        ok = _run_update(self, stack, apply)
    change_set.execution_status = "EXECUTE_COMPLETE" if ok else "EXECUTE_FAILED"
    # Executing a change set makes the stack's other change sets obsolete, as in AWS.
    for other in self.change_sets.values():
        if other is not change_set and other.stack_id == stack.stack_id and other.execution_status == "AVAILABLE":
            other.execution_status = "OBSOLETE"


def _resp_list_change_sets(self: Any) -> Any:
    """ListChangeSets: only the given stack's change sets (moto listed every stack's)."""
    stack_name = self._get_param("StackName")
    change_sets = [
        cs
        for cs in self.cloudformation_backend.change_sets.values()
        if not stack_name or stack_name in (cs.stack_name, cs.stack_id)
    ]
    return ActionResult({"Summaries": change_sets})


def _resp_describe_change_set(self: Any) -> Any:
    change_set = find_change_set(
        self.cloudformation_backend, self._get_param("ChangeSetName"), self._get_param("StackName")
    )
    return ActionResult(change_set)


def _resp_delete_change_set(self: Any) -> Any:
    backend = self.cloudformation_backend
    change_set = find_change_set(backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
    del backend.change_sets[change_set.change_set_id]
    return EmptyResult()


# ----------------------------------------------------------------------------------------------
# moto's own models
# ----------------------------------------------------------------------------------------------


def _bool(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def _tags_dict(tags: Iterable[dict[str, Any]] | None) -> dict[str, str]:
    return {str(t["Key"]): str(t["Value"]) for t in tags or []}


def _kms_key_create(
    cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
) -> Any:
    """AWS::KMS::Key. moto passed the template's `Tags: [{Key, Value}]` to its KMS tagger, which wants
    `[{TagKey, TagValue}]` (KeyError: 'TagKey'), and stored a KeyPolicy object unserialised."""
    props = cloudformation_json["Properties"]
    policy = props.get("KeyPolicy")
    if isinstance(policy, (dict, list)):
        policy = json.dumps(policy)
    key = kms_models.kms_backends[account_id][region_name].create_key(
        policy=policy,
        key_usage=props.get("KeyUsage") or "ENCRYPT_DECRYPT",
        key_spec=props.get("KeySpec") or "SYMMETRIC_DEFAULT",
        description=props.get("Description") or "",
        tags=[{"TagKey": k, "TagValue": v} for k, v in _tags_dict(props.get("Tags")).items()],
        multi_region=_bool(props.get("MultiRegion")),
    )
    key.key_rotation_status = _bool(props.get("EnableKeyRotation"))
    key.enabled = _bool(props.get("Enabled"), default=True)
    if not key.enabled:
        key.key_state = "Disabled"
    return key


def _log_group_create(
    cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
) -> Any:
    """AWS::Logs::LogGroup. moto passed the template properties as keyword arguments, but the model reads
    the KMS key from `kmsKeyId` (API spelling), so `KmsKeyId` was silently dropped."""
    props = cloudformation_json["Properties"]
    options: dict[str, Any] = {}
    if props.get("RetentionInDays") is not None:
        options["RetentionInDays"] = int(props["RetentionInDays"])
    if props.get("KmsKeyId"):
        options["kmsKeyId"] = props["KmsKeyId"]
    return logs_models.logs_backends[account_id][region_name].create_log_group(
        resource_name, _tags_dict(props.get("Tags")), **options
    )


_original_nat_create = NatGateway.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
_original_eip_create = ElasticAddress.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _nat_gateway_create(cls: Any, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any) -> Any:
    """AWS::EC2::NatGateway: moto's version ignores the template's Tags."""
    nat = _original_nat_create(cls, resource_name, cloudformation_json, *args, **kwargs)
    nat.add_tags(_tags_dict(cloudformation_json["Properties"].get("Tags")))
    return nat


def _nat_gateway_delete(self: Any, account_id: str, region_name: str) -> None:
    """Deleting a NAT gateway (moto had no delete: it stayed `available`): state `deleted`, its EIP is
    disassociated and its network interface removed, as in AWS."""
    backend = ec2_backends[account_id][region_name]
    if self.id not in backend.nat_gateways or self.state == "deleted":
        return
    backend.delete_nat_gateway(self.id)
    for address in backend.addresses:
        if address.eni is self._eni:
            backend.disassociate_address(address=address.public_ip)
    if self._eni.id in backend.enis:
        backend.delete_network_interface(self._eni.id)


def _eip_create(cls: Any, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any) -> Any:
    """AWS::EC2::EIP: moto's version ignores the template's Tags."""
    eip = _original_eip_create(cls, resource_name, cloudformation_json, *args, **kwargs)
    eip.add_tags(_tags_dict((cloudformation_json.get("Properties") or {}).get("Tags")))
    return eip


def _eip_delete(self: Any, account_id: str, region_name: str) -> None:
    """Release the address (moto had no delete: the EIP stayed allocated)."""
    backend = ec2_backends[account_id][region_name]
    if self in backend.addresses:
        if self.allocation_id:
            backend.release_address(allocation_id=self.allocation_id)
        else:
            backend.release_address(address=self.public_ip)


def _flow_log_delete(self: Any, account_id: str, region_name: str) -> None:
    """Delete the flow log (moto had no delete: it stayed)."""
    backend = ec2_backends[account_id][region_name]
    if self.id in backend.flow_logs:
        backend.delete_flow_logs([self.id])


def _subnet_route_table_association_create(
    cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
) -> Any:
    """AWS::EC2::SubnetRouteTableAssociation. moto only recorded the pair: the route table showed no
    association, and Ref returned the route table id. Now the subnet is really associated (idempotent in
    moto) and Ref / GetAtt Id return the association id, as in AWS."""
    props = cloudformation_json["Properties"]
    backend = ec2_backends[account_id][region_name]
    association = backend.create_subnet_association(route_table_id=props["RouteTableId"], subnet_id=props["SubnetId"])
    association.association_id = backend.associate_route_table(props["RouteTableId"], subnet_id=props["SubnetId"])
    return association


def _subnet_route_table_association_delete(self: Any, account_id: str, region_name: str) -> None:
    backend = ec2_backends[account_id][region_name]
    table = backend.route_tables.get(self.route_table_id)
    association_id = getattr(self, "association_id", None)
    if table is not None and association_id in table._associations:
        backend.disassociate_route_table(association_id)
    backend.subnet_associations.pop(f"{self.route_table_id}:{self.subnet_id}", None)


def _route_delete(self: Any, account_id: str, region_name: str) -> None:
    """AWS::EC2::Route: moto had no delete (the route stayed)."""
    table = self.route_table
    if self.id in table._routes:
        del table._routes[self.id]


def _route_table_delete(self: Any, account_id: str, region_name: str) -> None:
    """AWS::EC2::RouteTable: moto had no delete, and a VPC with a non-main route table cannot be deleted."""
    backend = ec2_backends[account_id][region_name]
    if self.id in backend.route_tables:
        backend.delete_route_table(self.id)  # DependencyViolation while subnets are associated: retried


_original_gateway_attachment_create = VPCGatewayAttachment.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _gateway_attachment_create(cls: Any, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any) -> Any:
    attachment = _original_gateway_attachment_create(cls, resource_name, cloudformation_json, *args, **kwargs)
    props = cloudformation_json["Properties"]
    attachment.sandbox_gateway = (props.get("InternetGatewayId"), props.get("VpnGatewayId"))
    return attachment


def _gateway_attachment_delete(self: Any, account_id: str, region_name: str) -> None:
    """AWS::EC2::VPCGatewayAttachment: moto had no delete (the gateway stayed attached)."""
    backend = ec2_backends[account_id][region_name]
    igw_id, vgw_id = getattr(self, "sandbox_gateway", (None, None))
    igw = backend.internet_gateways.get(igw_id) if igw_id else None
    if igw is not None and igw.vpc is not None and igw.vpc.id == self.vpc_id:
        backend.detach_internet_gateway(igw_id, self.vpc_id)
    if vgw_id:
        try:
            backend.detach_vpn_gateway(vgw_id, self.vpc_id)
        except Exception:  # noqa: BLE001 - already detached / gone
            pass


def _internet_gateway_delete(self: Any, account_id: str, region_name: str) -> None:
    """AWS::EC2::InternetGateway: moto had no delete."""
    backend = ec2_backends[account_id][region_name]
    if self.id in backend.internet_gateways:
        backend.delete_internet_gateway(self.id)  # DependencyViolation while attached: retried


# ----------------------------------------------------------------------------------------------


def install() -> None:
    ResourceMap.__getitem__ = _resource_map_getitem  # type: ignore[method-assign]
    ResourceMap._ResourceMap__get_resources_in_dependency_order = _resource_map_dependency_order  # type: ignore[attr-defined]
    ResourceMap.delete = _resource_map_delete  # type: ignore[method-assign]
    # ResourceMap.update calls the module-level name at run time, so replacing it there is enough.
    cfn_parsing.parse_and_update_resource = _parse_and_update_resource
    Stack.stack_resources = property(_stack_resources)  # type: ignore[assignment,method-assign]
    Stack.outputs = property(_stack_outputs)  # type: ignore[assignment,method-assign]
    Stack.status_reason = None  # type: ignore[attr-defined]  # serialised as StackStatusReason

    CloudFormationBackend.create_stack = create_stack  # type: ignore[method-assign]
    CloudFormationBackend.update_stack = update_stack  # type: ignore[method-assign]
    CloudFormationBackend.delete_stack = delete_stack  # type: ignore[method-assign]
    CloudFormationBackend.execute_change_set = execute_change_set  # type: ignore[method-assign]
    CloudFormationBackend.describe_change_set = find_change_set  # type: ignore[method-assign]
    responses = cfn_responses.CloudFormationResponse
    responses.list_change_sets = _resp_list_change_sets  # type: ignore[method-assign]
    responses.describe_change_set = _resp_describe_change_set  # type: ignore[method-assign]
    responses.delete_change_set = _resp_delete_change_set  # type: ignore[method-assign]

    kms_models.Key.create_from_cloudformation_json = classmethod(_kms_key_create)  # type: ignore[method-assign,assignment]
    logs_models.LogGroup.create_from_cloudformation_json = classmethod(_log_group_create)  # type: ignore[method-assign,assignment]
    NatGateway.create_from_cloudformation_json = classmethod(_nat_gateway_create)  # type: ignore[method-assign,assignment]
    NatGateway.delete = _nat_gateway_delete  # type: ignore[attr-defined]
    ElasticAddress.create_from_cloudformation_json = classmethod(_eip_create)  # type: ignore[method-assign,assignment]
    ElasticAddress.delete = _eip_delete  # type: ignore[attr-defined]
    FlowLogs.delete = _flow_log_delete  # type: ignore[attr-defined]
    SubnetRouteTableAssociation.create_from_cloudformation_json = classmethod(_subnet_route_table_association_create)  # type: ignore[method-assign,assignment]
    SubnetRouteTableAssociation.physical_resource_id = property(lambda self: getattr(self, "association_id", self.route_table_id))  # type: ignore[method-assign,assignment]
    SubnetRouteTableAssociation.delete = _subnet_route_table_association_delete  # type: ignore[attr-defined]
    Route.delete = _route_delete  # type: ignore[attr-defined]
    RouteTable.delete = _route_table_delete  # type: ignore[attr-defined]
    VPCGatewayAttachment.create_from_cloudformation_json = classmethod(_gateway_attachment_create)  # type: ignore[method-assign,assignment]
    VPCGatewayAttachment.delete = _gateway_attachment_delete  # type: ignore[attr-defined]
    InternetGateway.delete = _internet_gateway_delete  # type: ignore[attr-defined]
