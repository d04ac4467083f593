"""AWS's IAM and ECS quotas at synth: measured as AWS counts them, shrunk without widening, or refused."""

from __future__ import annotations

import dataclasses
import json

import pytest

from taskdef.input.environments import environment_names, load_settings
from taskdef.model import quotas
from taskdef.model.plan import Condition, Resource, Statement, policy_document
from taskdef.model.rendered import render_task_definition
from taskdef.output.permissions import render_permissions
from taskdef.proof.authz import prove_plan
from taskdef.text.errors import InputError

from .conftest import FIXTURES, default_settings, default_task_definition, plan_for

SIXTY = FIXTURES / "quotas" / "sixty-ssm-secrets.json"
KMS_KEYS = (
    "arn:aws:kms:ap-northeast-2:575084400422:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:kms:ap-northeast-2:575084400422:key/0987dcba-09fe-87dc-65ba-ab0987654321",
)


def sixty_secrets(name_repeat: int = 1) -> dict:
    """The 60-secret file; ``name_repeat`` lengthens every parameter name that many times."""
    data = json.loads(SIXTY.read_text(encoding="utf-8"))
    for s in data["containerDefinitions"][0]["secrets"]:
        head, _, tail = s["valueFrom"].rpartition("/")
        s["valueFrom"] = f"{head}/{'-'.join([tail] * name_repeat)}"
    return data


def test_size_is_counted_without_whitespace():
    document = policy_document((Statement("A", ("s3:GetObject",), (Resource("arn:aws:s3:::b/k"),), ("r",)),))
    pretty = json.dumps(document, indent=4)
    assert quotas.policy_size(document) == len("".join(pretty.split()))
    assert quotas.policy_size(document) == len(json.dumps(document, separators=(",", ":")))


@pytest.mark.parametrize("environment", environment_names())
def test_the_checked_in_environments_fit_and_are_left_as_they_are(environment):
    plan = plan_for(settings=load_settings(environment, environ={}))
    assert quotas.fit_plan(plan) is plan  # nothing over a limit: not even merged (the snapshot stays byte for byte)
    assert quotas.problems(plan) == []
    assert all(not r.overflow_statements for r in plan.roles)


def _statement(sid, actions, arns, conditions=()):
    return Statement(sid, tuple(actions), tuple(Resource(a) for a in arns), (f"{sid} reason",), tuple(conditions))


def test_minimized_merges_only_what_allows_exactly_the_same():
    via = Condition("StringEquals", "kms:ViaService", ("ssm.ap-northeast-2.amazonaws.com",))
    statements = (
        _statement("A", ["ssm:GetParameters", "ssm:GetParameters"], ["arn:p1"]),
        _statement("B", ["ssm:GetParameters"], ["arn:p2", "arn:p1"]),  # same actions: resources join
        _statement("C", ["kms:Decrypt"], ["arn:k1"], [via]),
        _statement("D", ["kms:Decrypt"], ["arn:k2"]),  # other conditions: stays apart
        _statement("E", ["logs:PutLogEvents"], ["arn:g"]),
        _statement("F", ["logs:CreateLogStream"], ["arn:g"]),  # same resources: actions join
        _statement("G", ["logs:CreateLogGroup"], ["arn:h"]),  # other actions and resources: stays apart
    )
    out = quotas.minimized(statements)
    assert [(s.sid, s.actions, tuple(r.arn for r in s.resources)) for s in out] == [
        ("A", ("ssm:GetParameters",), ("arn:p1", "arn:p2")),
        ("C", ("kms:Decrypt",), ("arn:k1",)),
        ("D", ("kms:Decrypt",), ("arn:k2",)),
        ("E", ("logs:PutLogEvents", "logs:CreateLogStream"), ("arn:g",)),
        ("G", ("logs:CreateLogGroup",), ("arn:h",)),
    ]
    assert out[0].reasons == ("A reason", "B reason")

    def grants(sts):  # every (action, resource, conditions) a statement set allows
        return {(a, r.arn, s.conditions) for s in sts for a in s.actions for r in s.resources}

    assert grants(out) == grants(statements)


@pytest.fixture(scope="module")
def sixty_plan():
    return plan_for(sixty_secrets(), default_settings(secrets_kms_key_arns=KMS_KEYS))


def test_sixty_secrets_fit_by_merging_and_an_overflow_policy(sixty_plan):
    role = sixty_plan.role("task_execution_role")
    assert quotas.statements_size(role.statements) <= 10_240
    assert role.overflow_policy_name == "ig-notification-task-execution-role-overflow"
    assert 0 < quotas.statements_size(role.overflow_statements) <= 6_144
    # Merged: the log group's actions in one statement; never a wildcard in place of an ARN.
    logs = [s for s in role.statements if s.sid == "LogsWriteTaskLogGroups"]
    assert logs and set(logs[0].actions) == {"logs:CreateLogStream", "logs:PutLogEvents", "logs:CreateLogGroup"}
    secret_arns = [
        r.arn
        for s in role.statements + role.overflow_statements
        for r in s.resources
        if s.sid == "SsmReadStartupParameters"
    ]
    assert len(secret_arns) == len(set(secret_arns)) == 60 and not any("*" in a for a in secret_arns)
    used = {(u.quota, u.name): u.used for u in quotas.usages(sixty_plan)}
    assert used[("policies_per_role", "ecsTaskExecutionRole")] == 1  # the overflow policy costs one attachment
    assert quotas.problems(sixty_plan) == []


def test_sixty_secrets_pass_the_authorization_proof(sixty_plan):
    proof = prove_plan(sixty_plan)
    assert proof.failures() == []
    role = sixty_plan.role("task_execution_role").arn
    reads = [o for o in proof.outcomes if o.request.role == role and o.request.action == "ssm:GetParameters"]
    allowed = [o for o in reads if o.expected]
    siblings = [o for o in reads if not o.expected and o.request.kind == "another secret"]
    assert len(allowed) == 60 and all(o.verdict.allowed for o in allowed)
    assert len(siblings) == 60 and not any(o.verdict.allowed for o in siblings)
    # Some secrets are granted by the overflow policy alone: the proof evaluates it as attached.
    overflow = sixty_plan.role("task_execution_role").overflow_policy_name
    assert any(o.verdict.grants and o.verdict.grants[0][0] == overflow for o in allowed)


def test_the_report_says_how_close_each_principal_is(sixty_plan):
    text = render_permissions(sixty_plan)
    assert "## AWS quotas" in text
    role = sixty_plan.role("task_execution_role")
    used = quotas.statements_size(role.statements)
    assert (
        f"| role `ecsTaskExecutionRole` | all inline policies of one role, together | {used:,} characters | "
        f"10,240 | {100 * used / 10_240:.0f}% |" in text
    )
    assert f"### Policy `{role.overflow_policy_name}`" in text
    raised = dataclasses.replace(
        sixty_plan, settings=dataclasses.replace(sixty_plan.settings, iam_quotas={"policies_per_role": 20})
    )
    assert (
        "| role `ecsTaskExecutionRole` | managed policies attached to one role | 1 policies | 20 | 5% |"
        in render_permissions(raised)
    )


def test_sixty_secrets_with_longer_names_are_refused_naming_the_limit():
    with pytest.raises(InputError) as raised:
        plan_for(sixty_secrets(name_repeat=3), default_settings(secrets_kms_key_arns=KMS_KEYS))
    [line] = raised.value.lines()
    assert line.startswith(
        "test.json: policy ig-notification-task-execution-role-overflow (what the inline policy "
        "of role ecsTaskExecutionRole cannot hold within 10,240 characters): "
    )
    assert "over AWS's 6,144 for one managed policy" in line
    assert line.endswith('apply would fail with "Cannot exceed quota for PolicySize: 6144"')


def _padded(total: int) -> dict:
    """The default file with an environment variable padding its registration JSON to ``total`` bytes."""
    data = default_task_definition()
    data["containerDefinitions"][0]["environment"].append({"name": "PADDING", "value": ""})
    plan = plan_for(data)
    base = quotas.registration_size(
        quotas.registration(json.loads(render_task_definition(plan)), plan.settings.default_tags)
    )
    data["containerDefinitions"][0]["environment"][-1]["value"] = "x" * (total - base)
    return data


def test_a_task_definition_of_64_kib_is_accepted_and_one_byte_more_refused():
    plan = plan_for(_padded(65_536))
    # prod's default tags ride on the registration too (the provider adds them), so they count
    assert plan.settings.default_tags
    assert quotas.registration_size(json.loads(render_task_definition(plan))) < 65_536
    assert [u.used for u in quotas.usages(plan) if u.quota == "task_definition_size"] == [65_536]
    with pytest.raises(InputError) as raised:
        plan_for(_padded(65_537))
    assert raised.value.lines() == [
        "test.json: the registration JSON (task-definition.rendered.json, compact, with the provider's default "
        "tags) is 65,537 bytes, over ECS's "
        '65,536 (64 KiB) for one task definition; registering it would fail with "Max allowed length is '
        "'65536' bytes.\""
    ]


def _containers(n: int) -> dict:
    data = default_task_definition()
    first = data["containerDefinitions"][0]
    data["containerDefinitions"] += [
        {
            "name": f"sidecar-{i}",
            "image": first["image"],
            "essential": False,
            "readonlyRootFilesystem": True,
            "user": "1000:1000",
            "memoryReservation": 32,
        }
        for i in range(1, n)
    ]
    return data


def test_ten_containers_are_accepted_and_eleven_refused():
    assert len(plan_for(_containers(10)).task_definition.containers) == 10
    with pytest.raises(InputError) as raised:
        plan_for(_containers(11))
    assert raised.value.lines() == [
        "test.json: containerDefinitions: holds 11 containers; ECS allows at most 10 in one task definition; "
        'registering it would fail with "Too many containers."'
    ]


def test_an_oversize_deployer_policy_is_shrunk_first():
    plan = plan_for()
    d = plan.deployer
    padded = dataclasses.replace(d, statements=d.statements * 6)  # the same statements six times over
    assert quotas.statements_size(padded.statements) > 6_144
    fitted = quotas.fit_plan(dataclasses.replace(plan, deployer=padded))
    assert fitted.deployer.statements == d.statements


# --- many services, one account ------------------------------------------------------------------------

SERVICES = FIXTURES / "services"  # five services sharing dev-pilot-reader, ecsTaskExecutionRole and ecsTaskRole


def _prepare_all(monkeypatch, directory):
    """The main job's validation with IG_ENV=all over ``directory`` in place of environments/."""
    from taskdef.input import environments
    from taskdef.model.pipeline import prepare

    monkeypatch.setattr(environments, "ENVIRONMENTS_DIR", directory)
    return prepare({"IG_ENV": "all"})


def test_five_services_sharing_principals_are_summed_within_the_quotas(monkeypatch):
    job = _prepare_all(monkeypatch, SERVICES)
    assert len(job.plans) == 5
    totals: dict = {}
    for plan in job.plans:
        for u in quotas.usages(plan):
            if u.quota in quotas.SUMMED:
                totals[(u.quota, u.name)] = totals.get((u.quota, u.name), 0) + u.used
    assert totals[("policies_per_user", "dev-pilot-reader")] == 5
    assert 5 * 500 < totals[("role_inline", "ecsTaskExecutionRole")] <= 10_240
    assert quotas.shared_problems(job.plans) == []


def test_a_sixth_service_that_pushes_a_shared_role_over_is_refused_naming_every_stack(monkeypatch, tmp_path):
    from taskdef.model.pipeline import JobError

    for path in [*SERVICES.glob("*.json"), FIXTURES / "services-extra" / "ig-integrations.json"]:
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(JobError) as raised:
        _prepare_all(monkeypatch, tmp_path)
    [line] = raised.value.lines
    stacks = sorted(p.stem for p in tmp_path.glob("*.json"))
    assert line.startswith("IG_ENV=all: role ecsTaskExecutionRole (")
    assert (
        f"from the stacks {', '.join(stacks)} together, over AWS's 10,240 for all inline policies of one role" in line
    )
    assert line.endswith('"Maximum policy size of 10240 bytes exceeded for role ecsTaskExecutionRole"')


def test_two_stacks_writing_one_inline_policy_are_refused():
    plans = [plan_for(settings=default_settings(stack_name=name)) for name in ("one", "two")]
    assert quotas.shared_problems(plans) == [
        "IG_ENV=all: role ecsTaskExecutionRole: the stacks one, two all write its inline policy "
        "ig-notification-task-execution-role; each apply would overwrite the others' (give each service its own family)",
        "IG_ENV=all: role ecsTaskRole: the stacks one, two all write its inline policy ig-notification-task-role; "
        "each apply would overwrite the others' (give each service its own family)",
    ]


def test_settings_iam_quotas_name_the_field():
    from taskdef.input.settings import parse_settings

    data = json.loads((FIXTURES.parent.parent / "environments" / "prod.json").read_text(encoding="utf-8"))
    data["iam_quotas"] = {
        "policies_per_user": 20,
        "policies_per_rol": 20,
        "role_trust_policy": 9000,
        "managed_policy": 7000,
    }
    with pytest.raises(InputError) as raised:
        parse_settings(data, source="prod.json")
    assert raised.value.lines() == [
        "prod.json: iam_quotas.policies_per_rol: is not an adjustable IAM quota; did you mean 'policies_per_role'?",
        "prod.json: iam_quotas.role_trust_policy: must be an integer from AWS's default 2048 to its maximum 4096, "
        "got 9000",
        "prod.json: iam_quotas.managed_policy: is not an adjustable IAM quota; expected one of policies_per_role, "
        "policies_per_user, role_trust_policy",
    ]
    data["iam_quotas"] = {"policies_per_user": 20}
    assert parse_settings(data, source="prod.json").iam_quotas == {"policies_per_user": 20}


def test_a_raised_quota_is_what_the_stacks_are_summed_against():
    plans = [
        plan_for(
            settings=default_settings(
                stack_name=f"s{i}",
                deployer=dataclasses.replace(default_settings().deployer, policy_name=f"s{i}-deployer"),
            )
        )
        for i in range(11)
    ]
    plans = [dataclasses.replace(p, roles=()) for p in plans]  # the deployer alone: 11 attachments to one user
    [line] = quotas.shared_problems(plans)
    assert line.startswith("IG_ENV=all: user dev-pilot-reader (s0-deployer, ") and "11 policies" in line
    raised = [
        dataclasses.replace(p, settings=dataclasses.replace(p.settings, iam_quotas={"policies_per_user": 20}))
        for p in plans
    ]
    assert quotas.shared_problems(raised) == []
