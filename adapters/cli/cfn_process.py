"""Turns CloudFormation templates as users write them into what CloudFormation deploys, for the checks.

Run with the Python of cfn-lint's venv (cfn-lint 1.58.0 and aws-sam-translator are installed there by
sandbox/bootstrap.sh). Reads a JSON request on stdin: {"files": [absolute paths], "outDir": dir, "maxVariants": n}.
For each file, in order:
  1. decodes it with cfn-lint (YAML short forms, JSON);
  2. expands AWS::LanguageExtensions (Fn::ForEach, Fn::Length, Fn::ToJsonString, Fn::FindInMap defaults) with
     cfn-lint's transform;
  3. translates AWS::Serverless-2016-10-31 (SAM) with aws-sam-translator, offline (managed policy names map to
     their AWS ARNs without asking IAM; local CodeUri values become placeholder S3 locations);
  4. substitutes parameter defaults for `Ref`s in resource properties (not in tags), so a risky default is seen;
  5. enumerates the satisfiable combinations of the conditions the resources use (cfn-lint's solver) and writes
     one variant per combination: resources whose Condition is false removed, Fn::If resolved, AWS::NoValue
     dropped. The combination the parameter defaults select is marked.
Prints one JSON document: per file {file, ok, error?, transforms, variants: [{path, scenario, default}]}.
Never changes the input files.
"""

import copy
import json
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from cfnlint.conditions import Conditions  # noqa: E402
from cfnlint.decode import decode  # noqa: E402
from cfnlint.template import Template  # noqa: E402
from cfnlint.template.transforms._language_extensions import language_extension  # noqa: E402

LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
SAM = "AWS::Serverless-2016-10-31"
PSEUDO = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "stack",
}


class ManagedPolicies(dict):
    """SAM resolves managed policy names through IAM; offline, every AWS managed policy name maps to its ARN."""

    def __missing__(self, key):
        return "arn:aws:iam::aws:policy/" + str(key)

    def get(self, key, default=None):
        return self[key]

    def __contains__(self, key):
        return isinstance(key, str) and not key.startswith("arn:")


def plain(value):
    """cfn-lint's node classes to plain JSON values."""
    return json.loads(json.dumps(value, default=str))


def transforms_of(template):
    declared = template.get("Transform", [])
    return [t for t in (declared if isinstance(declared, list) else [declared]) if isinstance(t, str)]


def local_uris(template):
    """SAM wants S3 locations; local paths (what `sam build` would upload) become placeholders."""
    keys = {
        "AWS::Serverless::Function": "CodeUri",
        "AWS::Serverless::LayerVersion": "ContentUri",
        "AWS::Serverless::Api": "DefinitionUri",
        "AWS::Serverless::HttpApi": "DefinitionUri",
        "AWS::Serverless::StateMachine": "DefinitionUri",
    }
    for body in (template.get("Resources") or {}).values():
        if not isinstance(body, dict):
            continue
        key = keys.get(body.get("Type"))
        props = body.get("Properties")
        if key and isinstance(props, dict) and isinstance(props.get(key), str) and not props[key].startswith("s3://"):
            props[key] = "s3://local-artifacts/" + props[key].strip("./") or "code"
    glob = (template.get("Globals") or {}).get("Function")
    if isinstance(glob, dict) and isinstance(glob.get("CodeUri"), str) and not glob["CodeUri"].startswith("s3://"):
        glob["CodeUri"] = "s3://local-artifacts/code"


def sam_translate(template):
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = copy.deepcopy(template)
    local_uris(template)
    policies = ManagedPolicies()
    translator = Translator(managed_policy_map=policies, sam_parser=Parser())
    return translator.translate(
        sam_template=template, parameter_values={}, get_managed_policy_map=lambda: policies
    )


def process(path):
    decoded, matches = decode(path)
    if decoded is None or not isinstance(decoded, dict):
        reason = matches[0].message if matches else "not a YAML/JSON map"
        return None, [], "cannot read template: " + str(reason)
    template = decoded
    names = transforms_of(template)
    for name in names:
        if name == LANGUAGE_EXTENSIONS:
            cfn = Template(path, template, ["us-east-1"])
            errors, expanded = language_extension(cfn)
            if errors:
                return None, names, "cannot expand AWS::LanguageExtensions: " + errors[0].message
            template = expanded
        elif name == SAM:
            try:
                template = sam_translate(plain(template))
            except Exception as e:  # noqa: BLE001 - the translator's own message is the finding
                detail = getattr(e, "message", None) or str(e)
                causes = getattr(e, "causes", None) or []
                if causes:
                    detail += " " + " ".join(getattr(c, "message", str(c)) for c in causes)
                return None, names, "cannot translate SAM template: " + detail
    template = plain(template)
    template.pop("Transform", None)
    return template, names, None


# --- conditions ------------------------------------------------------------------------------------------


def walk_if(value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "Fn::If" and isinstance(v, list) and v and isinstance(v[0], str):
                out.add(v[0])
            walk_if(v, out)
    elif isinstance(value, list):
        for v in value:
            walk_if(v, out)


def used_conditions(template):
    used = set()
    for section in ("Resources", "Outputs"):
        for body in (template.get(section) or {}).values():
            if isinstance(body, dict) and isinstance(body.get("Condition"), str):
                used.add(body["Condition"])
            walk_if(body, used)
    return sorted(c for c in used if c in (template.get("Conditions") or {}))


def default_value(template, ref):
    if ref in PSEUDO:
        return PSEUDO[ref]
    param = (template.get("Parameters") or {}).get(ref)
    if isinstance(param, dict) and "Default" in param:
        return str(param["Default"])
    raise KeyError(ref)


def evaluate(template, expr, seen=()):
    """A condition's value with the parameter defaults; KeyError when a parameter has no default."""
    if isinstance(expr, dict) and len(expr) == 1:
        (fn, arg), = expr.items()
        if fn == "Condition":
            if arg in seen:
                raise KeyError(arg)
            return evaluate(template, template["Conditions"][arg], seen + (arg,))
        if fn == "Fn::Equals":
            a, b = (value_of(template, x) for x in arg)
            return a == b
        if fn == "Fn::Not":
            return not evaluate(template, arg[0], seen)
        if fn == "Fn::And":
            return all(evaluate(template, x, seen) for x in arg)
        if fn == "Fn::Or":
            return any(evaluate(template, x, seen) for x in arg)
    raise KeyError(str(expr))


def value_of(template, x):
    if isinstance(x, dict) and list(x.keys()) == ["Ref"]:
        return default_value(template, x["Ref"])
    if isinstance(x, (str, int, float, bool)):
        return str(x).lower() if isinstance(x, bool) else str(x)
    raise KeyError(str(x))


def default_scenario(template, names):
    try:
        return {n: evaluate(template, {"Condition": n}) for n in names}
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def scenarios(path, template, names, limit):
    if not names:
        return [{}]
    try:
        solver = Conditions(Template(path, template, ["us-east-1"]))
        found = []
        for s in solver.build_scenarios({n: {True, False} for n in names}):
            found.append(dict(s))
            if len(found) >= limit:
                break
        return found or [{}]
    except Exception:  # noqa: BLE001 - a template the solver cannot read is checked as written
        return [{}]


NO_VALUE = object()


def resolve(value, scenario):
    if isinstance(value, dict):
        if len(value) == 1 and "Fn::If" in value:
            arg = value["Fn::If"]
            if isinstance(arg, list) and len(arg) == 3 and arg[0] in scenario:
                return resolve(arg[1] if scenario[arg[0]] else arg[2], scenario)
        if value == {"Ref": "AWS::NoValue"}:
            return NO_VALUE
        out = {}
        for k, v in value.items():
            r = resolve(v, scenario)
            if r is not NO_VALUE:
                out[k] = r
        return out
    if isinstance(value, list):
        return [r for r in (resolve(v, scenario) for v in value) if r is not NO_VALUE]
    return value


def defaults(template):
    """Parameters with a Default: what a deploy that does not set them gets."""
    out = {}
    for name, param in (template.get("Parameters") or {}).items():
        if isinstance(param, dict) and "Default" in param and not isinstance(param["Default"], (dict, list)):
            out[name] = param["Default"]
    return out


def substitute(value, params, key=None):
    """`Ref` to a parameter with a default becomes the default, so a risky default is seen; tags keep their Ref
    (the organisation checks read which parameter a tag names)."""
    if key in ("Tags", "TagSpecifications"):
        return value
    if isinstance(value, dict):
        if list(value.keys()) == ["Ref"] and isinstance(value["Ref"], str) and value["Ref"] in params:
            return params[value["Ref"]]
        return {k: substitute(v, params, k) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, params, key) for v in value]
    return value


def variant(template, scenario):
    out = copy.deepcopy(template)
    params = defaults(out)
    resources = {}
    for name, body in (out.get("Resources") or {}).items():
        cond = body.get("Condition") if isinstance(body, dict) else None
        if isinstance(cond, str) and cond in scenario and not scenario[cond]:
            continue
        body = resolve(body, scenario) if scenario else body
        if params and isinstance(body, dict) and isinstance(body.get("Properties"), dict):
            body["Properties"] = substitute(body["Properties"], params)
        resources[name] = body
    out["Resources"] = resources
    return out


def main():
    request = json.load(sys.stdin)
    out_dir = request["outDir"]
    limit = int(request.get("maxVariants", 16))
    results = []
    for index, path in enumerate(request["files"]):
        entry = {"file": path, "ok": False, "transforms": [], "variants": []}
        try:
            template, names, error = process(path)
            entry["transforms"] = names
            if error:
                entry["error"] = error
                results.append(entry)
                continue
            if not isinstance(template.get("Resources"), dict):
                entry["error"] = "not a CloudFormation template: no Resources map"
                results.append(entry)
                continue
            conds = used_conditions(template)
            default = default_scenario(template, conds)
            for k, scenario in enumerate(scenarios(path, template, conds, limit)):
                target = os.path.join(out_dir, "%d-%d.json" % (index, k))
                with open(target, "w", encoding="utf-8") as f:
                    json.dump(variant(template, scenario), f)
                entry["variants"].append(
                    {"path": target, "scenario": scenario, "default": default is not None and default == scenario}
                )
            entry["ok"] = True
        except Exception as e:  # noqa: BLE001 - one broken file is a finding, never the end of the run
            entry["error"] = "cannot process template: %s: %s" % (type(e).__name__, e)
        results.append(entry)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
