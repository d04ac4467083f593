"""The files written beside each stack: permissions.md, deployer-policy.json and
task-definition.rendered.json, checked against the synthesized Terraform.

The report is parsed (statements, reasons, diagram), not grepped; references in
cdk.tf.json are replaced by the concrete ARNs of the plan objects they name.
"""

from __future__ import annotations

import copy
import json
import os
import re
import string
from dataclasses import dataclass, field
from typing import Any

import pytest

from taskdef.input import rules
from taskdef.input.environments import load_settings
from taskdef.input.loader import load_task_definition
from taskdef.input.overrides import apply_override
from taskdef.input.settings import DeployerSettings, RoleSettings
from taskdef.model import rendered as rendered_files
from taskdef.model.pipeline import load_plan
from taskdef.model.plan import Plan
from taskdef.output import names, stack_files
from taskdef.output import permissions as report
from taskdef.output.report_text import CATALOGS, md_text, role_kind
from taskdef.text.errors import InputError
from taskdef.text.i18n import DEFAULT_LANGUAGE, say
from taskdef.text.language import language_from_env

from .conftest import (
    FIXTURES,
    default_settings,
    default_task_definition,
    null_paths,
    plan_for,
    role_deployer_settings,
    synth_stack,
)

HANGUL = re.compile(r"[\uac00-\ud7a3]")
TOKEN = re.compile(r"`([^`]*)`")
REFERENCE = re.compile(r"\$\{((?:data\.)?[a-z0-9_]+\.[a-z0-9_]+)\.([a-z_]+)\}")


# --- parsing permissions.md -------------------------------------------------------------------------------------


@dataclass
class Principal:
    kind: str  # catalog key: kind_user, kind_deployer_role, kind_task_role, ...
    name: str
    arn: str = ""
    # ("trust" | "policy" | "required", policy name or "") -> statements
    documents: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Report:
    principals: list[Principal]
    headings: list[str]
    nodes: dict[str, str]  # Mermaid node id -> label
    edges: list[tuple[str, str, str, str]]  # (from, arrow, label, to)
    sections: dict[str, list[str]]  # "## ..." heading -> its lines

    def principal(self, kind: str) -> Principal | None:
        return next((p for p in self.principals if p.kind == kind), None)


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def markdown_safe(text: str) -> str:
    """Free text as written in the report: no Markdown emphasis, code or HTML may start in it."""
    assert not re.search(r"(?<!\\)[*`<]|(?<![A-Za-z0-9\\])_|(?<!\\)_(?![A-Za-z0-9])", text), text
    return unescape(text)


def template_regex(template: str) -> re.Pattern:
    """A catalog template as a regex with one group per field."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append("(.+)")
    return re.compile("^" + "".join(parts) + "$")


def parse_report(text: str, language: str) -> Report:
    catalog = CATALOGS[language]
    kinds = {
        catalog[k]: k
        for k in ("kind_user", "kind_deployer_role", "kind_task_execution_role", "kind_task_role", "kind_both_roles")
    }
    fields = {
        catalog["principals"]: "Principal",
        catalog["actions"]: "Action",
        catalog["resources"]: "Resource",
        catalog["conditions"]: "Condition",
        catalog["why"]: "reasons",
    }
    policy_heading = template_regex(catalog["h_policy"])
    principals: list[Principal] = []
    headings: list[str] = []
    sections: dict[str, list[str]] = {}
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str, str]] = []
    principal: Principal | None = None
    statements: list[dict[str, Any]] | None = None
    statement: dict[str, Any] | None = None
    current: str | None = None
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith("#"):
            headings.append(line)
            statement = None if not line.startswith("#### ") else statement
        if line.startswith("## "):
            sections[line] = []
            principal, statements = None, None
            m = re.match(r"^## (.+) `([^`]+)`$", line)
            if m and m.group(1) in kinds:
                principal = Principal(kinds[m.group(1)], m.group(2))
                principals.append(principal)
            continue
        if sections:
            sections[list(sections)[-1]].append(line)
        if line == "```mermaid":
            assert lines[i] == "flowchart LR", lines[i]
            i += 1
            while lines[i] != "```":
                node = re.match(r'^  (\w+)(\(\[|\[\[|\{\{|\[)"(.*)"(\]\)|\]\]|\}\}|\])$', lines[i])
                edge = re.match(r'^  (\w+) (-->|-\.->)\|"(.*)"\| (\w+)$', lines[i])
                assert node or edge, f"unexpected diagram line {lines[i]!r}"
                if node:
                    nodes[node.group(1)] = node.group(3)
                else:
                    edges.append(edge.groups())
                i += 1
            continue
        if principal is None:
            continue
        if line.startswith("- ARN: "):
            principal.arn = TOKEN.findall(line)[0]
        elif line.startswith("### "):
            if line == catalog["h_trust"]:
                key = ("trust", "")
            elif line == catalog["h_required"]:
                key = ("required", "")
            else:
                m = policy_heading.match(line)
                assert m, f"unexpected heading {line!r}"
                key = ("policy", TOKEN.findall(line)[0])
            assert key not in principal.documents, key
            statements = principal.documents[key] = []
        elif line.startswith("#### "):
            assert statements is not None, f"statement outside a policy: {line!r}"
            statement = {"Sid": TOKEN.findall(line)[0]}
            statements.append(statement)
            current = None
        elif statement is not None and line:
            m = re.match(r"^- (.+):$", line)
            if m:
                current = fields[m.group(1)]
                assert current not in statement, f"{current} twice in {statement['Sid']}"
                statement[current] = {} if current in ("Principal", "Condition") else []
                continue
            assert line.startswith("  - ") and current, f"unexpected line in {statement['Sid']}: {line!r}"
            item, tokens = line[4:], TOKEN.findall(line)
            if current == "reasons":
                statement["reasons"].append(markdown_safe(item))
            elif current == "Principal":
                statement["Principal"].setdefault(tokens[0], []).append(tokens[1])
            elif current == "Condition":
                statement["Condition"].setdefault(tokens[0], {})[tokens[1]] = tokens[2:]
            else:
                assert item.startswith("`"), item
                statement[current].append(tokens[0])
    return Report(principals, headings, nodes, edges, sections)


def without_reasons(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in s.items() if k != "reasons"} for s in statements]


DEPLOYER_KINDS = ("kind_user", "kind_deployer_role")


def report_documents(parsed: Report) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """What the report says the stack synthesizes, keyed like terraform_documents."""
    out = {}
    for p in parsed.principals:
        for (kind, policy), statements in p.documents.items():
            if kind == "required":
                continue
            if p.kind in DEPLOYER_KINDS:
                out[("managed", policy)] = without_reasons(statements)
            else:
                out[(kind, p.name, policy)] = without_reasons(statements)
    return out


# --- reading cdk.tf.json ---------------------------------------------------------------------------------------


def tf_objects(tf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every resource and data source by its Terraform address."""
    out = {}
    for prefix, block in (("", tf.get("resource", {})), ("data.", tf.get("data", {}))):
        for kind, items in block.items():
            for name, body in items.items():
                out[f"{prefix}{kind}.{name}"] = body
    return out


def tf_roles(tf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The roles of the stack by name, managed or read (external), with their path ("/" when read)."""
    return {
        r["name"]: {"path": "/", **r}
        for block in (tf.get("resource", {}), tf.get("data", {}))
        for r in block.get("aws_iam_role", {}).values()
    }


def concrete(value: str, tf: dict[str, Any], plan: Plan) -> str:
    """``value`` with each ${...} reference replaced by the concrete value from the plan object it names."""
    objects = tf_objects(tf)

    def one(m: re.Match) -> str:
        address, attribute = m.groups()
        obj = objects[address]
        kind = address.removeprefix("data.").split(".")[0]
        if attribute == "name":
            return obj["name"]
        assert attribute == "arn", m.group(0)
        if kind == "aws_iam_role":
            return next(r.arn for r in plan.roles if r.name == obj["name"])
        if kind == "aws_cloudwatch_log_group":
            return plan.log_group_for(obj["name"]).arn
        if kind == "aws_secretsmanager_secret":
            return next(s.arn_pattern for s in plan.runtime_secrets if s.name == obj["name"])
        raise AssertionError(f"no plan object for {m.group(0)}")

    return REFERENCE.sub(one, value)


def iam_statement(s: dict[str, Any], tf: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """An aws_iam_policy_document statement in IAM JSON shape, with concrete ARNs."""
    out: dict[str, Any] = {"Sid": s["sid"], "Effect": s["effect"]}
    for p in s.get("principals", []):
        out.setdefault("Principal", {}).setdefault(p["type"], []).extend(p["identifiers"])
    out["Action"] = s["actions"]
    if "resources" in s:
        out["Resource"] = [concrete(r, tf, plan) for r in s["resources"]]
    for c in s.get("condition", []):
        out.setdefault("Condition", {}).setdefault(c["test"], {})[c["variable"]] = c["values"]
    return out


def document_address(reference: str) -> str:
    m = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.(\w+)\.json\}", reference)
    assert m, reference
    return m.group(1)


def terraform_documents(tf: dict[str, Any], plan: Plan) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """Each synthesized policy document, keyed by what uses it: ("trust", role name, ""),
    ("policy", role name, inline policy name) or ("managed", policy name)."""
    objects = tf_objects(tf)
    documents = tf["data"]["aws_iam_policy_document"]
    owners: dict[str, tuple[str, ...]] = {}
    for role in tf["resource"].get("aws_iam_role", {}).values():
        owners[document_address(role["assume_role_policy"])] = ("trust", role["name"], "")
    for policy in tf["resource"].get("aws_iam_role_policy", {}).values():
        role = objects[REFERENCE.fullmatch(policy["role"]).group(1)]
        owners[document_address(policy["policy"])] = ("policy", role["name"], policy["name"])
    for policy in tf["resource"].get("aws_iam_policy", {}).values():
        owners[document_address(policy["policy"])] = ("managed", policy["name"])
    assert set(owners) == set(documents), "a policy document that nothing uses, or a use without a document"
    out = {}
    for address, owner in owners.items():
        statements = documents[address]["statement"]
        assert all(s["effect"] == "Allow" for s in statements)  # the report lists grants only
        out[owner] = [{k: v for k, v in iam_statement(s, tf, plan).items() if k != "Effect"} for s in statements]
    return out


# --- fixtures --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def main_language() -> str:
    # The main job inherits this process's environment, REPORT_LANGUAGE included.
    return language_from_env(os.environ)


@pytest.fixture(scope="module")
def main_plan() -> Plan:
    return load_plan(load_settings("prod", environ={}))


@pytest.fixture(scope="module")
def main_tf(main_stack_dir) -> dict[str, Any]:
    return json.loads((main_stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def main_report(main_stack_dir, main_language) -> Report:
    return parse_report((main_stack_dir / names.PERMISSIONS_FILE).read_text(encoding="utf-8"), main_language)


def without_task_role() -> dict[str, Any]:
    data = default_task_definition()
    del data["taskRoleArn"]
    return data


def shared_role() -> dict[str, Any]:
    data = default_task_definition()
    data["taskRoleArn"] = data["executionRoleArn"]
    return data


def with_startup_secret() -> dict[str, Any]:
    data = default_task_definition()
    data["containerDefinitions"][0]["secrets"] = [
        {"name": "DB_URL", "valueFrom": "arn:aws:secretsmanager:ap-northeast-2:575084400422:secret:prod/db-AbCdEf"},
        {"name": "FLAG", "valueFrom": "/ig-notification/flag"},
    ]
    return data


KMS_KEY = "arn:aws:kms:ap-northeast-2:575084400422:key/1234abcd-12ab-34cd-56ef-1234567890ab"

VARIANTS = {
    "adopt": lambda: plan_for(settings=default_settings(roles=RoleSettings(mode="adopt"))),
    "external-pass-only-unattached": lambda: plan_for(
        settings=default_settings(
            roles=RoleSettings(mode="external", pass_only=("ecsTaskRole",)), deployer=DeployerSettings(attach=False)
        )
    ),
    "external": lambda: plan_for(settings=default_settings(roles=RoleSettings(mode="external"))),
    "shared-role": lambda: plan_for(shared_role()),
    "no-task-role": lambda: plan_for(without_task_role()),
    "startup-secrets-kms": lambda: plan_for(with_startup_secret(), default_settings(secrets_kms_key_arns=(KMS_KEY,))),
    "dev": lambda: plan_for(settings=load_settings("dev", environ={})),
    "role-deployer": lambda: plan_for(settings=role_deployer_settings()),
    "role-deployer-unattached": lambda: plan_for(
        settings=role_deployer_settings(deployer=DeployerSettings(role_name="ci-deployer", attach=False))
    ),
}


# --- the files of the main job ---------------------------------------------------------------------------------


def test_main_job_writes_the_three_files_as_rendered(main_stack_dir, main_plan, main_language):
    from taskdef.proof.authz import prove_plan

    expected = stack_files.render(main_plan, main_language, prove_plan(main_plan))
    assert sorted(expected) == sorted(
        [names.PERMISSIONS_FILE, names.DEPLOYER_POLICY_FILE, names.RENDERED_TASK_DEFINITION_FILE]
    )
    for name, text in expected.items():
        written = (main_stack_dir / name).read_bytes()
        # Byte for byte the pure renderer's output from a fresh plan: nothing time- or process-dependent.
        assert written == text.encode("utf-8"), name
        assert written.endswith(b"\n") and not written.endswith(b"\n\n"), name
    for name in (names.DEPLOYER_POLICY_FILE, names.RENDERED_TASK_DEFINITION_FILE):
        text = (main_stack_dir / name).read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), indent=2) + "\n", f"{name} is not pretty-printed JSON"


def test_report_statements_are_the_synthesized_statements(main_report, main_tf, main_plan):
    synthesized = terraform_documents(main_tf, main_plan)
    reported = report_documents(main_report)
    for key, statements in synthesized.items():
        assert reported.get(key) == statements, f"{key} differs from cdk.tf.json"
    for key, statements in reported.items():
        assert synthesized.get(key) == statements, f"{key} is in the report but not in cdk.tf.json"
    # The default stack attaches an inline policy to each existing role, and has the deployer's; it
    # manages no trust policy (the "adopt" variant below has them).
    assert {k[0] for k in synthesized} == {"policy", "managed"}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_report_statements_match_synthesized_policies_in_every_mode(variant):
    plan = VARIANTS[variant]()
    _, tf = synth_stack(plan)
    parsed = parse_report(report.render_permissions(plan), "en")
    assert report_documents(parsed) == terraform_documents(tf, plan)
    # What the stack does not attach is still listed, as required, for exactly the untouched roles.
    required = {p.name: p.documents[("required", "")] for p in parsed.principals if ("required", "") in p.documents}
    untouched = {r.name: r for r in plan.roles if not r.attach_policies and r.statements}
    assert set(required) == set(untouched)
    for name, statements in required.items():
        assert [s["Sid"] for s in statements] == [s.sid for s in untouched[name].statements]
        assert without_reasons(statements) == [
            {k: v for k, v in s.document().items() if k != "Effect"} for s in untouched[name].statements
        ]


@pytest.mark.parametrize("fixture", sorted(p.name for p in (FIXTURES / "valid").glob("*.json")))
def test_report_matches_synthesized_policies_for_every_valid_fixture(fixture):
    plan = plan_for(json.loads((FIXTURES / "valid" / fixture).read_text(encoding="utf-8")))
    _, tf = synth_stack(plan)
    assert report_documents(parse_report(report.render_permissions(plan), "en")) == terraform_documents(tf, plan)
    rendered = rendered_files.render_task_definition(plan)
    assert rules.check(load_task_definition(rendered, source=fixture), plan.settings) == []
    # Nulls in the file (console exports) mean absent: none reaches the stack or the rendered input.
    (definition,) = tf["resource"]["aws_ecs_task_definition"].values()
    assert (
        null_paths(json.loads(rendered))
        == null_paths(tf)
        == null_paths(json.loads(definition["container_definitions"]))
        == []
    )


def test_report_explains_the_create_log_group_grant():
    plan = plan_for(json.loads((FIXTURES / "valid" / "console-export.json").read_text(encoding="utf-8")))
    text = report.render_permissions(plan)
    assert "#### `LogsCreateTaskLogGroups`" in text
    assert "`arn:aws:logs:ap-northeast-2:575084400422:log-group:/ecs/ig-notification-console:*`" in text
    assert "awslogs-create-group is true: the awslogs driver calls CreateLogGroup" in text
    assert "awslogs-create-group is true, but the execution role may not call logs:CreateLogGroup yet" in text


def test_report_gives_the_plans_reasons_for_every_statement(main_report, main_plan):
    by_principal = {(p.kind, p.name): p for p in main_report.principals}
    expected = {("kind_user", main_plan.deployer.user_name): main_plan.deployer.statements}
    for role in main_plan.roles:
        expected[(role_kind(role), role.name)] = role.statements
    assert set(by_principal) == set(expected)
    for key, statements in expected.items():
        reported = [s for (kind, _), ss in by_principal[key].documents.items() if kind != "trust" for s in ss]
        assert [(s["Sid"], s["reasons"]) for s in reported] == [(s.sid, list(s.reasons)) for s in statements], key
        for (kind, _), ss in by_principal[key].documents.items():
            if kind == "trust":
                assert [s["reasons"] for s in ss] == [list(main_plan.trust.reasons)]


def test_report_names_each_principal_with_its_arn(main_report, main_tf):
    user = main_report.principal("kind_user")
    attachment = main_tf["resource"]["aws_iam_user_policy_attachment"]["deployer"]
    assert user.name == attachment["user"]
    account = main_tf["provider"]["aws"][0]["allowed_account_ids"][0]
    assert user.arn == f"arn:aws:iam::{account}:user/{attachment['user']}"
    roles = tf_roles(main_tf)
    reported = {p.name: p.arn for p in main_report.principals if p.kind != "kind_user"}
    assert reported == {name: f"arn:aws:iam::{account}:role{r['path']}{name}" for name, r in roles.items()}


def test_deployer_policy_file_is_the_synthesized_deployer_policy(main_stack_dir, main_tf, main_plan):
    document = json.loads((main_stack_dir / names.DEPLOYER_POLICY_FILE).read_text(encoding="utf-8"))
    policy = main_tf["resource"]["aws_iam_policy"]["deployer"]
    synthesized = main_tf["data"]["aws_iam_policy_document"][document_address(policy["policy"])]["statement"]
    assert document == {
        "Version": "2012-10-17",
        "Statement": [iam_statement(s, main_tf, main_plan) for s in synthesized],
    }
    # Both roles of the input file, passable to ECS tasks only.
    source = default_task_definition()
    pass_role = [s for s in document["Statement"] if s["Action"] == ["iam:PassRole"]]
    assert len(pass_role) == 1
    assert pass_role[0]["Resource"] == [source["executionRoleArn"], source["taskRoleArn"]]
    assert pass_role[0]["Condition"] == {"StringEquals": {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}}
    assert not any("${" in r for s in document["Statement"] for r in s.get("Resource", []))


def test_rendered_task_definition_is_the_input_with_resolved_role_arns(main_stack_dir, main_tf, main_plan):
    text = (main_stack_dir / names.RENDERED_TASK_DEFINITION_FILE).read_text(encoding="utf-8")
    rendered = json.loads(text)
    source = default_task_definition()
    role_fields = ("executionRoleArn", "taskRoleArn")
    assert {k: v for k, v in rendered.items() if k not in role_fields} == {
        k: v for k, v in source.items() if k not in role_fields
    }
    # In the input's key order, so a diff against the input shows only the role ARNs.
    assert text == json.dumps({k: rendered[k] if k in role_fields else v for k, v in source.items()}, indent=2) + "\n"
    # Each role ARN is the one the synthesized task definition references, made concrete.
    resource = main_tf["resource"]["aws_ecs_task_definition"]["task_definition"]
    objects = tf_objects(main_tf)
    account = main_tf["provider"]["aws"][0]["allowed_account_ids"][0]
    for name, argument in (("executionRoleArn", "execution_role_arn"), ("taskRoleArn", "task_role_arn")):
        role = objects[REFERENCE.fullmatch(resource[argument]).group(1)]
        assert rendered[name] == f"arn:aws:iam::{account}:role{role.get('path', '/')}{role['name']}"
    # The rest agrees with the synthesized resource too.
    assert rendered["family"] == resource["family"]
    assert (rendered["cpu"], rendered["memory"]) == (resource["cpu"], resource["memory"])
    assert json.loads(concrete(resource["container_definitions"], main_tf, main_plan)) == json.loads(
        json.dumps(rendered["containerDefinitions"], sort_keys=True)
    )
    # Accepted by the same validation as the input, so the CLI and the console's JSON tab accept it.
    td = load_task_definition(text, source=names.RENDERED_TASK_DEFINITION_FILE)
    assert rules.check(td, main_plan.settings) == []
    assert td.data == main_plan.task_definition.data


def test_rendered_task_definition_carries_the_environments_overrides():
    settings = load_settings("dev", environ={})
    assert settings.task_definition_overrides
    rendered = json.loads(rendered_files.render_task_definition(plan_for(settings=settings)))
    expected = copy.deepcopy(default_task_definition())
    for path, value in settings.task_definition_overrides.items():
        assert apply_override(expected, path, value) is None
    assert rendered == expected
    assert rendered != default_task_definition()
    td = load_task_definition(json.dumps(rendered), source="rendered")
    assert rules.check(td, settings) == []


def test_rendered_task_definition_unwraps_describe_output():
    wrapped = {
        "taskDefinition": dict(default_task_definition(), revision=7, status="ACTIVE"),
        "tags": default_task_definition()["tags"],
    }
    del wrapped["taskDefinition"]["tags"]
    rendered = json.loads(rendered_files.render_task_definition(plan_for(wrapped)))
    assert rendered == default_task_definition()


def test_pre_flight_and_until_applied_name_what_the_stack_creates_and_reads(
    main_report, main_tf, main_language, main_stack_dir
):
    catalog = CATALOGS[main_language]
    preflight = "\n".join(main_report.sections[catalog["h_preflight"]])
    until = "\n".join(main_report.sections[catalog["h_until"]])
    for group in main_tf["resource"]["aws_cloudwatch_log_group"].values():
        line = next(x for x in preflight.split("\n") if f"`{group['name']}`" in x)
        assert catalog["retention_days"].format(days=group["retention_in_days"]) in line
        assert any(f"`{group['name']}`" in x for x in until.split("\n"))
    for secret in main_tf["data"]["aws_secretsmanager_secret"].values():
        assert f"--secret-id {secret['name']} " in preflight
    imports = main_stack_dir / "imports.tf.json"
    imported = {i["to"] for i in json.loads(imports.read_text())["import"]} if imports.exists() else set()
    for key, role in main_tf["resource"].get("aws_iam_role", {}).items():
        # adopted roles (import blocks) must exist and keep their policies until apply;
        # in create mode they must not exist yet.
        mode = "adopt" if f"aws_iam_role.{key}" in imported else "create"
        assert catalog[f"pf_role_{mode}"].format(name=role["name"]) in preflight
        assert catalog[f"until_roles_{mode}"].format(name=role["name"]) in until
    # prod reads the existing roles: they must exist and trust ECS already, and lack the policy until apply.
    for role in main_tf["data"].get("aws_iam_role", {}).values():
        assert catalog["pf_role_external"].format(name=role["name"], service="ecs-tasks.amazonaws.com") in preflight
        assert catalog["until_roles_external"].format(name=role["name"]) in until
    user = main_tf["resource"]["aws_iam_user_policy_attachment"]["deployer"]["user"]
    assert f"--user-name {user} " in until and "file://deployer-policy.json" in until


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_pre_flight_names_the_log_groups_kms_key_as_synthesized(language):
    key = "arn:aws:kms:ap-northeast-2:575084400422:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    plan = plan_for(settings=default_settings(log_group_kms_key_id=key))
    _, synthesized = synth_stack(plan)
    groups = synthesized["resource"]["aws_cloudwatch_log_group"].values()
    assert {g["kms_key_id"] for g in groups} == {key}
    catalog = CATALOGS[language]
    preflight = "\n".join(
        parse_report(report.render_permissions(plan, language), language).sections[catalog["h_preflight"]]
    )
    for group in groups:
        line = next(x for x in preflight.split("\n") if f"`{group['name']}`" in x)
        assert catalog["encryption_kms"].format(key=key) in line


def test_registration_command_uses_the_rendered_file_and_the_region(main_report, main_tf, main_language):
    section = main_report.sections[CATALOGS[main_language]["h_register"]]
    block = section[section.index("```bash") + 1 :]
    region = main_tf["provider"]["aws"][0]["region"]
    assert block[0] == (
        "aws ecs register-task-definition --cli-input-json "
        f"file://{names.RENDERED_TASK_DEFINITION_FILE} --region {region}"
    )
    assert block[1] == "```"


def test_diagram_draws_every_synthesized_grant(main_report, main_tf, main_plan):
    nodes, edges = main_report.nodes, main_report.edges
    labelled = {(src, label, dst) for src, _, label, dst in edges}

    def node(name: str) -> str:  # principals and policies are labelled "<kind> <name>"
        found = [n for n, label in nodes.items() if label.endswith(f" {name}")]
        assert len(found) == 1, (name, found)
        return found[0]

    account = main_tf["provider"]["aws"][0]["allowed_account_ids"][0]
    attachment = main_tf["resource"]["aws_iam_user_policy_attachment"]["deployer"]
    deployer_policy = main_tf["resource"]["aws_iam_policy"]["deployer"]["name"]
    policy_node = {("managed", deployer_policy): node(deployer_policy)}
    assert (node(attachment["user"]), "-->", node(deployer_policy)) in {(s, a, d) for s, a, _, d in edges}
    role_node = {name: node(name) for name in tf_roles(main_tf)}
    # A role is drawn once, as a principal, and is also where iam:PassRole points.
    target = {f"arn:aws:iam::{account}:role{r['path']}{name}": role_node[name] for name, r in tf_roles(main_tf).items()}
    for policy in main_tf["resource"]["aws_iam_role_policy"].values():
        role = tf_objects(main_tf)[REFERENCE.fullmatch(policy["role"]).group(1)]["name"]
        assert (role_node[role], "-->", node(policy["name"])) in {(s, a, d) for s, a, _, d in edges}
        policy_node[("policy", role, policy["name"])] = node(policy["name"])
    drawn = 0
    for key, statements in terraform_documents(main_tf, main_plan).items():
        if key[0] == "trust":
            assert ("ecs_tasks", f"{statements[0]['Sid']}: sts:AssumeRole", role_node[key[1]]) in labelled
            continue
        for s in statements:
            for arn in s["Resource"]:
                ends = {d for src, label, d in labelled if src == policy_node[key] and label == s["Sid"]}
                assert (target[arn] in ends) if arn in target else any(nodes[d] == arn for d in ends), (
                    key,
                    s["Sid"],
                    arn,
                )
                drawn += 1
    # No edge beyond the grants, the trust relations and the attachments.
    assert len(edges) == drawn + 2 * len(role_node) + 1


def test_report_lists_the_plans_warnings():
    data = default_task_definition()
    data["containerDefinitions"][0]["image"] = data["containerDefinitions"][0]["image"].rsplit(":", 1)[0]
    data["containerDefinitions"][0]["environment"].append({"name": "_API_TOKEN*<b>`", "value": "x"})
    plan = plan_for(data)
    assert len(plan.warnings) >= 2
    parsed = parse_report(report.render_permissions(plan), "en")
    section = parsed.sections[CATALOGS["en"]["h_warnings"]]
    assert [markdown_safe(x[2:]) for x in section if x.startswith("- ")] == list(plan.warnings)
    none = parse_report(report.render_permissions(plan_for()), "en").sections[CATALOGS["en"]["h_warnings"]]
    assert CATALOGS["en"]["no_warnings"] in none and not any(x.startswith("- ") for x in none)


# --- languages -------------------------------------------------------------------------------------------------


def test_korean_report_has_korean_headings_and_the_same_statements():
    default_plan = VARIANTS["adopt"]()  # a managed trust policy, so every heading appears
    from taskdef.proof.authz import prove_plan

    proof = prove_plan(default_plan)
    korean = report.render_permissions(default_plan, "ko", proof)
    english = report.render_permissions(default_plan, "en", proof)
    ko, en = parse_report(korean, "ko"), parse_report(english, "en")
    heading_keys = [k for k in CATALOGS["ko"] if k.startswith("h_") and k not in ("h_policy", "h_required")]
    for key in heading_keys:
        assert CATALOGS["ko"][key] in ko.headings, key
        assert HANGUL.search(CATALOGS["ko"][key]), key
        assert CATALOGS["en"][key] not in ko.headings, key
    assert ko.headings[0] == CATALOGS["ko"]["title"].format(stack=default_plan.settings.stack_name)
    assert all(HANGUL.search(h) for h in ko.headings if h.startswith("## "))
    assert [(p.kind, p.name, p.arn) for p in ko.principals] == [(p.kind, p.name, p.arn) for p in en.principals]

    def without_reasons(documents):
        return {k: [{f: v for f, v in st.items() if f != "reasons"} for st in sts] for k, sts in documents.items()}

    assert [without_reasons(p.documents) for p in ko.principals] == [
        without_reasons(p.documents) for p in en.principals
    ]
    # Every reason is said in Korean too, one for one.
    ko_reasons = [r for p in ko.principals for sts in p.documents.values() for st in sts for r in st["reasons"]]
    en_reasons = [r for p in en.principals for sts in p.documents.values() for st in sts for r in st["reasons"]]
    assert len(ko_reasons) == len(en_reasons) and all(HANGUL.search(r) for r in ko_reasons)
    assert len(ko.edges) == len(en.edges) and set(ko.nodes) == set(en.nodes)


def test_catalogs_have_the_same_keys_and_fields():
    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    languages = list(CATALOGS)
    assert languages[0] == DEFAULT_LANGUAGE and "ko" in languages
    for language in languages[1:]:
        assert set(CATALOGS[language]) == set(CATALOGS["en"]), language
        for key, template in CATALOGS["en"].items():
            assert fields(CATALOGS[language][key]) == fields(template), (language, key)


def test_write_stack_files_reads_report_language(tmp_path, monkeypatch, default_plan):
    monkeypatch.setenv("REPORT_LANGUAGE", "ko")
    stack_files.write_stack_files(default_plan, tmp_path / "ko")
    assert (tmp_path / "ko" / names.PERMISSIONS_FILE).read_text(encoding="utf-8") == report.render_permissions(
        default_plan, "ko"
    )
    monkeypatch.setenv("REPORT_LANGUAGE", "")
    stack_files.write_stack_files(default_plan, tmp_path / "en")
    assert (tmp_path / "en" / names.PERMISSIONS_FILE).read_text(encoding="utf-8") == report.render_permissions(
        default_plan, "en"
    )
    monkeypatch.setenv("REPORT_LANGUAGE", "fr")
    with pytest.raises(InputError) as exc:
        stack_files.write_stack_files(default_plan, tmp_path / "fr")
    assert exc.value.lines() == ["REPORT_LANGUAGE: must be one of en, ko, got 'fr'"]
    assert not (tmp_path / "fr").exists()


# --- shapes of the plan ----------------------------------------------------------------------------------------


def test_no_task_role_renders_no_task_role_section():
    plan = plan_for(without_task_role())
    text = report.render_permissions(plan)
    parsed = parse_report(text, "en")
    assert [p.kind for p in parsed.principals] == ["kind_user", "kind_task_execution_role"]
    for key in ("kind_task_role", "kind_both_roles"):
        assert not any(h.startswith(f"## {CATALOGS['en'][key]} ") for h in parsed.headings), key
    assert "ecsTaskRole" not in text
    pass_role = next(
        s
        for s in parsed.principal("kind_user").documents[("policy", plan.deployer.policy_name)]
        if s["Sid"] == "PassTaskRolesToEcsTasks"
    )
    assert pass_role["Resource"] == [plan.task_definition.execution_role_arn]
    assert "taskRoleArn" not in json.loads(rendered_files.render_task_definition(plan))


def test_one_role_for_both_purposes_is_one_section():
    plan = plan_for(shared_role())
    parsed = parse_report(report.render_permissions(plan), "en")
    assert [p.kind for p in parsed.principals] == ["kind_user", "kind_both_roles"]
    rendered = json.loads(rendered_files.render_task_definition(plan))
    assert rendered["taskRoleArn"] == rendered["executionRoleArn"] == plan.roles[0].arn


def test_role_path_is_kept_in_arns():
    data = default_task_definition()
    data["taskRoleArn"] = "arn:aws:iam::575084400422:role/service/ecsTaskRole"
    plan = plan_for(data)
    parsed = parse_report(report.render_permissions(plan), "en")
    assert parsed.principal("kind_task_role").arn == data["taskRoleArn"]
    assert json.loads(rendered_files.render_task_definition(plan))["taskRoleArn"] == data["taskRoleArn"]
    assert data["taskRoleArn"] in json.loads(rendered_files.render_deployer_policy(plan))["Statement"][-1]["Resource"]


def test_unattached_deployer_policy_is_explained_and_drawn_dashed():
    plan = plan_for(settings=default_settings(deployer=DeployerSettings(attach=False)))
    parsed = parse_report(report.render_permissions(plan), "en")
    until = "\n".join(parsed.sections[CATALOGS["en"]["h_until"]])
    assert (
        f"aws iam attach-user-policy --user-name {plan.deployer.user_name} "
        f"--policy-arn arn:aws:iam::{plan.settings.account_id}:policy/{plan.deployer.policy_name}" in until
    )
    user_edges = [(arrow, label) for src, arrow, label, _ in parsed.edges if src == "user"]
    assert user_edges == [("-.->", CATALOGS["en"]["dia_not_attached"])]


# --- a deployer role -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_a_deployer_role_is_named_as_a_role_with_its_arn_everywhere(language):
    plan = VARIANTS["role-deployer"]()
    catalog, arn = CATALOGS[language], "arn:aws:iam::575084400422:role/ci-deployer"
    text = report.render_permissions(plan, language)
    parsed = parse_report(text, language)
    assert [(p.kind, p.name, p.arn) for p in parsed.principals][0] == ("kind_deployer_role", "ci-deployer", arn)
    assert parsed.principal("kind_user") is None
    assert f"| {catalog['kind_deployer_role']} `ci-deployer` | `{arn}` | " in text  # the summary row
    assert catalog["deployer_role_attach"].split("{")[0] in text and catalog["user_attach"].split("{")[0] not in text
    # The diagram: the role, attached to the deployer policy.
    assert parsed.nodes["deployer_role"] == catalog["dia_role"].format(name="ci-deployer")
    assert ("deployer_role", "-->", catalog["dia_attached"], "deployer_policy") in parsed.edges
    assert "user" not in parsed.nodes
    preflight = "\n".join(parsed.sections[catalog["h_preflight"]])
    assert catalog["pf_deployer_role"].format(name="ci-deployer") in preflight
    assert "aws iam get-role --role-name ci-deployer`" in preflight and "get-user" not in preflight
    until = "\n".join(parsed.sections[catalog["h_until"]])
    assert (
        "`aws iam put-role-policy --role-name ci-deployer --policy-name ig-notification-deployer "
        "--policy-document file://deployer-policy.json`" in until
    )
    assert "--user-name" not in text and "dev-pilot-reader" not in text


def test_an_unattached_deployer_role_is_told_to_attach_role_policy_and_drawn_dashed():
    plan = VARIANTS["role-deployer-unattached"]()
    parsed = parse_report(report.render_permissions(plan), "en")
    until = "\n".join(parsed.sections[CATALOGS["en"]["h_until"]])
    assert (
        "`aws iam attach-role-policy --role-name ci-deployer "
        "--policy-arn arn:aws:iam::575084400422:policy/ig-notification-deployer`" in until
    )
    assert "put-role-policy" not in until
    assert [(arrow, label) for src, arrow, label, _ in parsed.edges if src == "deployer_role"] == [
        ("-.->", CATALOGS["en"]["dia_not_attached"])
    ]


def test_the_proof_section_names_the_deployer_role():
    from taskdef.proof.authz import prove_plan

    plan = VARIANTS["role-deployer"]()
    text = report.render_permissions(plan, "en", prove_plan(plan))
    section = text.split("## Authorization proof", 1)[1].split("\n## ", 1)[0]
    assert "\n### Deployer role `ci-deployer`\n" in section and "Deployer user" not in section
    assert "when `ci-deployer` registers the task definition" in section


# --- deployer.run ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_deployer_run_grants_have_their_reasons_and_the_cluster_and_service_are_preflight(language):
    from .conftest import deployer_run_settings

    plan = plan_for(settings=deployer_run_settings())
    catalog = CATALOGS[language]
    text = report.render_permissions(plan, language)
    for sid in (
        "EcsDeployServices",
        "EcsDescribeDeployedServices",
        "EcsRunTasksOnCluster",
        "EcsDescribeTasksOnCluster",
        "EcsStopTasksOnCluster",
        "EcsTagTasksOnRunTask",
        "EcrDescribeDeployedImages",
    ):
        statement = next(s for s in plan.deployer.statements if s.sid == sid)
        block = text.split(f"#### `{sid}`", 1)[1].split("####", 1)[0]
        assert statement.reasons and all(md_text(say(r, language)) in block for r in statement.reasons)
    preflight = "\n".join(parse_report(text, language).sections[catalog["h_preflight"]])
    assert catalog["pf_cluster"].format(cluster="ig-pilot", region="ap-northeast-2") in preflight
    assert (
        catalog["pf_service"].format(service="ig-notification", cluster="ig-pilot", region="ap-northeast-2")
        in preflight
    )
    marker = max(re.split(r"\{[a-z_]+\}", catalog["pf_cluster"]), key=len)  # the template's longest fixed words
    assert marker in preflight
    assert marker not in report.render_permissions(VARIANTS["role-deployer"](), language)
