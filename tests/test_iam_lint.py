"""Parliament lints every IAM policy document the synthesized stack generates.

The stack writes policies as ``data.aws_iam_policy_document`` blocks with
``${...}`` references; each is converted to IAM JSON with the references
replaced by the concrete ARNs they resolve to. Trust policies get the role they
belong to as Resource (implicit in IAM; parliament lints every statement as an
identity statement and rejects one without Resource). Community auditors are on;
every finding that stays is listed in EXPLAINED with the reason it stays.
"""
from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

# Finding -> why it stays. The test asserts this exact set, so a fixed or new finding shows up.
EXPLAINED: dict[tuple[str, str, str], str] = {
    ("deployer", "PERMISSIONS_MANAGEMENT_ACTIONS", '""'):
        "iam:PassRole is the deployer's purpose: registering the task definition passes its two roles to ECS. "
        "It names those roles and requires iam:PassedToService ecs-tasks.amazonaws.com (CKV_IGN_1).",
    ("task_execution_role_policy", "CREDENTIALS_EXPOSURE", '""'):
        "ecr:GetAuthorizationToken returns a registry token; that is how ECS pulls a private ECR image with the "
        "execution role, and AWS offers no narrower action.",
}
TRUST_EXPLANATION = ("sts:AssumeRole in a trust policy is how ECS gets the role's credentials for the task; the "
                     "principal is ecs-tasks.amazonaws.com (the task role's held to this account by aws:SourceAccount "
                     "and aws:SourceArn, CKV_IGN_5)")
# What no generated policy may ever hold: an action, prefix, condition key or operator IAM does not know, or a
# resource of the wrong type for its action.
NEVER = {"UNKNOWN_ACTION", "UNKNOWN_PREFIX", "UNKNOWN_CONDITION_FOR_ACTION", "UNKNOWN_OPERATOR", "RESOURCE_MISMATCH",
         "MISMATCHED_TYPE", "MALFORMED", "INVALID_ARN", "RESOURCE_STAR"}

_REFERENCE = re.compile(r"\$\{([^}]*)\}")


@pytest.fixture(scope="module")
def stack(main_stack_dir) -> dict[str, Any]:
    return json.loads((main_stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))


def references(stack: dict[str, Any]) -> dict[str, str]:
    """Every reference a policy may hold -> the ARN it resolves to in the configured account and region."""
    provider = stack["provider"]["aws"][0]
    account, region = provider["allowed_account_ids"][0], provider["region"]
    resources, data = stack.get("resource", {}), stack.get("data", {})
    out = {}
    for key, role in resources.get("aws_iam_role", {}).items():
        out[f"aws_iam_role.{key}.arn"] = f"arn:aws:iam::{account}:role{role.get('path', '/')}{role['name']}"
    for key, role in data.get("aws_iam_role", {}).items():
        out[f"data.aws_iam_role.{key}.arn"] = f"arn:aws:iam::{account}:role/{role['name']}"
        out[f"data.aws_iam_role.{key}.name"] = role["name"]
    for key, group in resources.get("aws_cloudwatch_log_group", {}).items():
        out[f"aws_cloudwatch_log_group.{key}.arn"] = f"arn:aws:logs:{region}:{account}:log-group:{group['name']}"
    for key, secret in data.get("aws_secretsmanager_secret", {}).items():
        # Secrets Manager appends "-" and six random characters to the name.
        out[f"data.aws_secretsmanager_secret.{key}.arn"] = \
            f"arn:aws:secretsmanager:{region}:{account}:secret:{secret['name']}-AbC123"
    return out


def concrete(value: str, refs: dict[str, str]) -> str:
    def one(m: re.Match) -> str:
        assert m.group(1) in refs, f"no concrete ARN for ${{{m.group(1)}}}: teach references() this kind"
        return refs[m.group(1)]
    return _REFERENCE.sub(one, value)


def iam_json(document: dict[str, Any], refs: dict[str, str], trusted_role: str | None) -> dict[str, Any]:
    """An aws_iam_policy_document's statements as an IAM policy document."""
    statements = []
    for s in document["statement"]:
        out: dict[str, Any] = {"Sid": s["sid"]} if s.get("sid") else {}
        out["Effect"] = s.get("effect", "Allow")
        for tf, iam in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            if tf in s:
                out[iam] = {p["type"]: [concrete(i, refs) for i in p["identifiers"]] for p in s[tf]}
        for tf, iam in (("actions", "Action"), ("not_actions", "NotAction"),
                        ("resources", "Resource"), ("not_resources", "NotResource")):
            if tf in s:
                out[iam] = [concrete(v, refs) for v in s[tf]]
        if trusted_role and "Resource" not in out and "NotResource" not in out:
            out["Resource"] = trusted_role
        if "condition" in s:
            condition: dict[str, dict[str, list[str]]] = {}
            for c in s["condition"]:
                condition.setdefault(c["test"], {})[c["variable"]] = [concrete(v, refs) for v in c["values"]]
            out["Condition"] = condition
        statements.append(out)
    return {"Version": "2012-10-17", "Statement": statements}


def documents(stack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every policy document in the stack, by name, as IAM JSON with concrete ARNs."""
    refs = references(stack)
    resources = stack.get("resource", {})
    # Which role each trust document belongs to (its assume_role_policy references it).
    trusts = {}
    for key, role in resources.get("aws_iam_role", {}).items():
        m = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.(\w+)\.json\}", role["assume_role_policy"])
        if m:
            trusts[m.group(1)] = refs[f"aws_iam_role.{key}.arn"]
    out = {name: iam_json(doc, refs, trusts.get(name))
           for name, doc in stack["data"]["aws_iam_policy_document"].items()}
    # Literal JSON written straight into a policy attribute (the stack writes none today).
    for kind, attribute in (("aws_iam_policy", "policy"), ("aws_iam_role_policy", "policy"),
                            ("aws_iam_role", "assume_role_policy")):
        for key, resource in resources.get(kind, {}).items():
            if not resource[attribute].lstrip().startswith("${"):
                out[f"{kind}.{key}.{attribute}"] = json.loads(concrete(resource[attribute], refs))
    return out


def lint(policy: dict[str, Any]) -> set[tuple[str, str]]:
    from parliament import analyze_policy_string

    result = analyze_policy_string(json.dumps(policy), include_community_auditors=True)
    return {(f.issue, json.dumps(f.detail, sort_keys=True)) for f in result.findings}


def explained(name: str, issue: str, detail: str) -> bool:
    return (name, issue, detail) in EXPLAINED or (name.endswith("_trust") and issue == "CREDENTIALS_EXPOSURE")


def test_every_policy_document_is_linted(stack):
    docs = documents(stack)
    # What the default stack writes: an inline policy for each existing role, and the deployer policy.
    assert set(docs) == {"task_execution_role_policy", "task_role_policy", "deployer"}
    for name, policy in docs.items():
        text = json.dumps(policy)
        assert "${" not in text, f"{name}: a reference is left"
        assert all("Resource" in s or "NotResource" in s for s in policy["Statement"]), name


def test_parliament_finds_nothing_unexplained(stack):
    findings = {(name, issue, detail) for name, policy in documents(stack).items() for issue, detail in lint(policy)}
    assert findings == set(EXPLAINED)


def variant_stacks(valid_fixture_stacks) -> dict[str, dict[str, Any]]:
    """Every stack the project generates: each valid fixture, each environment, each roles mode."""
    from taskdef.pipeline import load_plan
    from taskdef.settings import RoleSettings, environment_names, load_settings

    from .conftest import default_settings, plan_for, synth_stack

    out = {name: json.loads((stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))
           for name, (_, stack_dir) in valid_fixture_stacks.items()}
    out.update({f"environment:{e}": synth_stack(load_plan(load_settings(e, environ={})))[1] for e in environment_names()})
    for mode in ("create", "adopt"):
        out[f"mode:{mode}"] = synth_stack(plan_for(settings=default_settings(roles=RoleSettings(mode=mode))))[1]
    out["dedicated"] = synth_stack(plan_for(settings=default_settings(roles=RoleSettings(mode="create",
                                                                                       dedicated=True))))[1]
    return out


def test_every_generated_policy_passes_parliament(valid_fixture_stacks):
    """Every document of every stack, and every standalone deployer-policy.json: no unknown action,
    condition key or operator, no resource of the wrong type, no '*' where a resource could be named."""
    unexplained = []
    for stack_name, stack in variant_stacks(valid_fixture_stacks).items():
        for name, policy in documents(stack).items():
            unexplained += [(stack_name, name, issue, detail) for issue, detail in lint(policy)
                            if issue in NEVER or not explained(name, issue, detail)]
    for name, (_, stack_dir) in valid_fixture_stacks.items():
        standalone = json.loads((stack_dir / "deployer-policy.json").read_text(encoding="utf-8"))
        unexplained += [(name, "deployer-policy.json", issue, detail) for issue, detail in lint(standalone)
                        if issue in NEVER or not explained("deployer", issue, detail)]
    assert unexplained == []


def test_the_lint_catches_a_planted_defect(stack):
    """The conversion is not vacuous: iam:PassRole on '*' in the deployer policy is reported."""
    planted = copy.deepcopy(stack)
    for s in planted["data"]["aws_iam_policy_document"]["deployer"]["statement"]:
        if "iam:PassRole" in s["actions"]:
            s["resources"] = ["*"]
    new = lint(documents(planted)["deployer"]) - lint(documents(stack)["deployer"])
    assert ("RESOURCE_STAR", '["iam:PassRole"]') in new


@pytest.mark.parametrize("plant, issue", [
    (lambda s: s.update(resources=["arn:aws:s3:::bucket/*"]), "RESOURCE_MISMATCH"),
    (lambda s: s["condition"].append({"test": "StringEquals", "variable": "ecs:no-such-key", "values": ["x"]}),
     "UNKNOWN_CONDITION_FOR_ACTION"),
    (lambda s: s.update(actions=["ecs:RegisterTaskDefinitions"]), "UNKNOWN_ACTION"),
])
def test_the_strict_lint_catches_what_it_forbids(stack, plant, issue):
    planted = copy.deepcopy(stack)
    (register,) = [s for s in planted["data"]["aws_iam_policy_document"]["deployer"]["statement"]
                   if s["sid"] == "EcsRegisterTaskDefinitionFamily"]
    plant(register)
    assert issue in NEVER
    assert issue in {found for found, _ in lint(documents(planted)["deployer"])}
