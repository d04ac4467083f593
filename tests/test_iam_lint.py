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

# (document, issue, action, resource) -> why it stays; "*_trust" is every document whose name ends so. Keyed per
# action: parliament's community auditors leave the detail empty and name the actions in `location`, so a key
# without the action would explain every action of that kind.
EXPLAINED: dict[tuple[str, str, str, str], str] = {
    (
        "deployer",
        "PERMISSIONS_MANAGEMENT_ACTIONS",
        "iam:passrole",
        "",
    ): "iam:PassRole is the deployer's purpose: registering the task definition passes its two roles to ECS. "
    "It names those roles and requires iam:PassedToService ecs-tasks.amazonaws.com (CKV_IGN_1).",
    (
        "task_execution_role_policy",
        "CREDENTIALS_EXPOSURE",
        "ecr:getauthorizationtoken",
        "",
    ): "ecr:GetAuthorizationToken returns a registry token; that is how ECS pulls a private ECR image with the "
    "execution role, and AWS offers no narrower action.",
    (
        "*_trust",
        "CREDENTIALS_EXPOSURE",
        "sts:assumerole",
        "",
    ): "sts:AssumeRole in a trust policy is how ECS gets the role's credentials for the task; the principal is "
    "ecs-tasks.amazonaws.com (the task role's held to this account by aws:SourceAccount and aws:SourceArn, "
    "CKV_IGN_5).",
}
# What no generated policy may ever hold: an action, prefix, condition key or operator IAM does not know, or a
# resource of the wrong type for its action.
NEVER = {
    "UNKNOWN_ACTION",
    "UNKNOWN_PREFIX",
    "UNKNOWN_CONDITION_FOR_ACTION",
    "UNKNOWN_OPERATOR",
    "RESOURCE_MISMATCH",
    "MISMATCHED_TYPE",
    "MALFORMED",
    "INVALID_ARN",
    "RESOURCE_STAR",
}

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
        out[f"data.aws_secretsmanager_secret.{key}.arn"] = (
            f"arn:aws:secretsmanager:{region}:{account}:secret:{secret['name']}-AbC123"
        )
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
        for tf, iam in (
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
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
    out = {
        name: iam_json(doc, refs, trusts.get(name)) for name, doc in stack["data"]["aws_iam_policy_document"].items()
    }
    # Literal JSON written straight into a policy attribute (the stack writes none today).
    for kind, attribute in (
        ("aws_iam_policy", "policy"),
        ("aws_iam_role_policy", "policy"),
        ("aws_iam_role", "assume_role_policy"),
    ):
        for key, resource in resources.get(kind, {}).items():
            if not resource[attribute].lstrip().startswith("${"):
                out[f"{kind}.{key}.{attribute}"] = json.loads(concrete(resource[attribute], refs))
    return out


def lint(policy: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(issue, action, resource) for every finding: one per action that parliament names (in `location` for the
    community auditors, in `detail` for RESOURCE_STAR and RESOURCE_MISMATCH), with the resource where it gives one.
    A finding that names no action keeps its detail in the action's place."""
    from parliament import analyze_policy_string

    out = set()
    for f in analyze_policy_string(json.dumps(policy), include_community_auditors=True).findings:
        location = f.location if isinstance(f.location, dict) else {}
        issue = f"{f.issue}:{location['type']}" if "type" in location else f.issue  # PRIVILEGE_ESCALATION's method
        actions = location.get("actions")
        if actions is None and isinstance(f.detail, list):
            actions = [d["action"] if isinstance(d, dict) else d for d in f.detail]
        if actions is None:
            out.add((issue, json.dumps(f.detail, sort_keys=True), ""))
            continue
        for action in [actions] if isinstance(actions, str) else actions:
            out.add((issue, action.lower(), location.get("resource", "")))
    return out


def explanation(name: str, finding: tuple[str, str, str]) -> str | None:
    """Why ``finding`` in document ``name`` stays, or None."""
    for (document, *key), why in EXPLAINED.items():
        if tuple(key) == finding and (name == document or document.startswith("*") and name.endswith(document[1:])):
            return why
    return None


def unexplained(name: str, policy: dict[str, Any]) -> set[tuple[str, str, str]]:
    """What parliament finds in one document that EXPLAINED does not explain, and anything in NEVER."""
    return {f for f in lint(policy) if f[0] in NEVER or explanation(name, f) is None}


def test_every_policy_document_is_linted(stack):
    docs = documents(stack)
    # What the default stack writes: an inline policy for each existing role, and the deployer policy.
    assert set(docs) == {"task_execution_role_policy", "task_role_policy", "deployer"}
    for name, policy in docs.items():
        text = json.dumps(policy)
        assert "${" not in text, f"{name}: a reference is left"
        assert all("Resource" in s or "NotResource" in s for s in policy["Statement"]), name


def test_parliament_finds_nothing_unexplained(stack):
    """Every explanation of a named document is used by the default stack, so a fixed finding shows up too."""
    docs = documents(stack)
    assert {name: unexplained(name, policy) for name, policy in docs.items()} == {name: set() for name in docs}
    found = {(name, *f) for name, policy in docs.items() for f in lint(policy)}
    assert found == {key for key in EXPLAINED if not key[0].startswith("*")}


def variant_stacks(valid_fixture_stacks) -> dict[str, dict[str, Any]]:
    """Every stack the project generates: each valid fixture, each environment, each roles mode."""
    from taskdef.input.environments import environment_names, load_settings
    from taskdef.input.settings import RoleSettings
    from taskdef.model.pipeline import load_plan

    from .conftest import default_settings, plan_for, synth_stack

    out = {
        name: json.loads((stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))
        for name, (_, stack_dir) in valid_fixture_stacks.items()
    }
    out.update(
        {f"environment:{e}": synth_stack(load_plan(load_settings(e, environ={})))[1] for e in environment_names()}
    )
    for mode in ("create", "adopt"):
        out[f"mode:{mode}"] = synth_stack(plan_for(settings=default_settings(roles=RoleSettings(mode=mode))))[1]
    out["dedicated"] = synth_stack(
        plan_for(settings=default_settings(roles=RoleSettings(mode="create", dedicated=True)))
    )[1]
    return out


def test_every_generated_policy_passes_parliament(valid_fixture_stacks):
    """Every document of every stack, and every standalone deployer-policy.json: no unknown action,
    condition key or operator, no resource of the wrong type, no '*' where a resource could be named."""
    found, used = [], set()
    for stack_name, stack in variant_stacks(valid_fixture_stacks).items():
        for name, policy in documents(stack).items():
            found += [(stack_name, name, *f) for f in unexplained(name, policy)]
            used |= {explanation(name, f) for f in lint(policy)}
    for name, (_, stack_dir) in valid_fixture_stacks.items():
        standalone = json.loads((stack_dir / "deployer-policy.json").read_text(encoding="utf-8"))
        found += [(name, "deployer-policy.json", *f) for f in unexplained("deployer", standalone)]
    assert found == []
    assert used - {None} == set(EXPLAINED.values()), "an explanation no stack needs any more"


def test_the_lint_catches_a_planted_defect(stack):
    """The conversion is not vacuous: iam:PassRole on '*' in the deployer policy is reported."""
    planted = copy.deepcopy(stack)
    for s in planted["data"]["aws_iam_policy_document"]["deployer"]["statement"]:
        if "iam:PassRole" in s["actions"]:
            s["resources"] = ["*"]
    new = lint(documents(planted)["deployer"]) - lint(documents(stack)["deployer"])
    assert ("RESOURCE_STAR", "iam:passrole", "") in new


@pytest.mark.parametrize(
    "plant, issue",
    [
        (lambda s: s.update(resources=["arn:aws:s3:::bucket/*"]), "RESOURCE_MISMATCH"),
        (
            lambda s: s["condition"].append({"test": "StringEquals", "variable": "ecs:no-such-key", "values": ["x"]}),
            "UNKNOWN_CONDITION_FOR_ACTION",
        ),
        (lambda s: s.update(actions=["ecs:RegisterTaskDefinitions"]), "UNKNOWN_ACTION"),
    ],
)
def test_the_strict_lint_catches_what_it_forbids(stack, plant, issue):
    planted = copy.deepcopy(stack)
    (register,) = [
        s
        for s in planted["data"]["aws_iam_policy_document"]["deployer"]["statement"]
        if s["sid"] == "EcsRegisterTaskDefinitionFamily"
    ]
    plant(register)
    assert issue in NEVER
    assert issue in {found for found, *_ in lint(documents(planted)["deployer"])}


def with_actions(stack: dict[str, Any], document: str, sid: str, *actions: str) -> dict[str, dict[str, Any]]:
    """The stack's documents with ``actions`` added to one statement."""
    planted = copy.deepcopy(stack)
    (statement,) = [s for s in planted["data"]["aws_iam_policy_document"][document]["statement"] if s["sid"] == sid]
    statement["actions"] += list(actions)
    return documents(planted)


def test_a_permissions_management_action_beside_pass_role_is_not_explained(stack):
    """PassRole's explanation covers PassRole alone: parliament reports all three in one finding."""
    (sid,) = [
        s["sid"]
        for s in stack["data"]["aws_iam_policy_document"]["deployer"]["statement"]
        if "iam:PassRole" in s["actions"]
    ]
    planted = with_actions(stack, "deployer", sid, "iam:PutRolePolicy", "iam:AttachRolePolicy")
    found = unexplained("deployer", planted["deployer"])
    assert {
        ("PERMISSIONS_MANAGEMENT_ACTIONS", "iam:putrolepolicy", ""),
        ("PERMISSIONS_MANAGEMENT_ACTIONS", "iam:attachrolepolicy", ""),
    } <= found
    assert not any(f[1] == "iam:passrole" for f in found)


def test_a_credentials_action_beside_the_ecr_token_is_not_explained(stack):
    planted = with_actions(stack, "task_execution_role_policy", "EcrGetAuthorizationToken", "iam:CreateAccessKey")
    assert ("CREDENTIALS_EXPOSURE", "iam:createaccesskey", "") in unexplained(
        "task_execution_role_policy", planted["task_execution_role_policy"]
    )


def trust(*actions: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EcsTasksAssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": ["ecs-tasks.amazonaws.com"]},
                "Action": list(actions),
                "Resource": "arn:aws:iam::575084400422:role/ecsTaskRole",
            }
        ],
    }


def test_a_trust_document_explains_sts_assume_role_and_nothing_else():
    assert unexplained("task_role_trust", trust("sts:AssumeRole")) == set()
    assert unexplained("task_role_trust", trust("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity")) == {
        ("CREDENTIALS_EXPOSURE", "sts:assumerolewithwebidentity", "")
    }
    # and only in a trust document
    assert ("CREDENTIALS_EXPOSURE", "sts:assumerole", "") in unexplained("task_role_policy", trust("sts:AssumeRole"))
