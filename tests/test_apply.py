"""Every stack applies with Terraform against the AWS emulator, plans empty a second time,
and the account then holds what the plan and task-definition.rendered.json say.

The applies start in the background at the beginning of the session (tests/apply_jobs.py);
each test here waits for its own.
"""

from __future__ import annotations

import json
import re

import pytest

from taskdef.input.environments import load_settings
from taskdef.model.pipeline import load_plan
from taskdef.output.names import RENDERED_TASK_DEFINITION_FILE

from .apply_jobs import APPLIED_NAMES, RENAMED_LOG_GROUP
from .harness import SECRET_VALUE_MARKER

pytestmark = [pytest.mark.apply, pytest.mark.terraform]


def assert_applied(outcome) -> None:
    assert outcome.error is None, outcome.error
    assert outcome.problems == [], "\n".join(outcome.problems)


@pytest.mark.parametrize("name", APPLIED_NAMES)
def test_applies_and_reads_back(apply_runs, name):
    assert_applied(apply_runs.result(name))


@pytest.mark.parametrize("name", APPLIED_NAMES)
def test_gaps_only_where_the_file_sets_enable_fault_injection(apply_runs, name):
    """The emulator gap shows in the second plan only for a file that sets enableFaultInjection to true (the
    provider reads it back false), and in the read-back only for a file that sets it at all."""
    applied = apply_runs.result(name).applied
    rendered = json.loads((applied.workdir / RENDERED_TASK_DEFINITION_FILE).read_text(encoding="utf-8"))
    assert applied.gaps == (
        ["aws_ecs_task_definition.task_definition: enable_fault_injection"]
        if rendered.get("enableFaultInjection") is True
        else []
    )
    assert applied.read_back_gaps == (["enableFaultInjection"] if "enableFaultInjection" in rendered else [])


def test_prod_changes_nothing_on_shared_roles_but_adds_its_own_policies(apply_runs):
    """The roles exist as shared roles do: a second trusted service, a boundary, an owner tag, another
    service's inline and managed policies. After the apply, all of it is still there, unchanged."""
    outcome = apply_runs.result("environment:prod")
    assert_applied(outcome)
    before, after = outcome.facts["roles_before"], outcome.facts["roles_after"]
    plan = load_plan(load_settings("prod", environ={}))
    for role in plan.roles:
        added = {
            name: doc for name, doc in after[role.name]["inline"].items() if name not in before[role.name]["inline"]
        }
        assert set(added) == {role.policy_name}
        assert {**after[role.name], "inline": before[role.name]["inline"]} == before[role.name]
        assert before[role.name]["trust"][""][0]["Principal"]["Service"] == [
            "ecs-tasks.amazonaws.com",
            "events.amazonaws.com",
        ]


def test_destroy_deletes_nothing_that_existed(apply_runs):
    facts = apply_runs.result("environment:prod").facts
    status, output = facts["destroy"]
    assert status == 1 and "Instance cannot be destroyed" in output  # prevent_destroy stops it before any change
    assert facts["roles_after_destroy"] == facts["roles_after"]
    assert all(facts["log_groups_after_destroy"].values()), facts["log_groups_after_destroy"]


def test_adopt_mode_takes_over_the_existing_roles(apply_runs):
    """With the roles already present, the import blocks take them over (no EntityAlreadyExists)."""
    facts = apply_runs.result("switch:adopt-to-external").facts
    assert facts["adopt_problems"] == []
    assert "Apply complete! Resources: 2 imported," in facts["adopt_apply_log"]
    assert "EntityAlreadyExists" not in facts["adopt_apply_log"]


def test_switching_adopt_to_external_and_renaming_the_log_group_deletes_nothing(apply_runs):
    """Terraform counts the old log group and revision as destroyed, but skip_destroy keeps both, and
    the removed blocks let go of the roles without deleting them."""
    outcome = apply_runs.result("switch:adopt-to-external")
    assert_applied(outcome)
    facts = outcome.facts
    log = facts["switch_apply_log"]
    assert "Terraform will discard its tracking information for\nthe following objects, but it will not delete" in log
    assert " - aws_iam_role.task_role\n" in log and " - aws_iam_role.task_execution_role\n" in log
    for name, adopted in facts["roles_adopted"].items():
        after = facts["roles_after_switch"][name]
        # Only the stack's own inline policy may change (it now names the renamed log group).
        assert {**after, "inline": None} == {**adopted, "inline": None}
        assert set(after["inline"]) == set(adopted["inline"])
    assert facts["log_groups_after_switch"] == {"/ecs/ig-notification": True, RENAMED_LOG_GROUP: True}
    assert facts["first_revision_status"] == "ACTIVE"


def test_outputs_are_the_applied_objects(apply_runs):
    applied = apply_runs.result("environment:prod").applied
    assert (
        applied.outputs["task_definition_arn"]
        == "arn:aws:ecs:ap-northeast-2:575084400422:task-definition/ig-notification:1"
    )
    assert applied.outputs["task_definition_revision"] == 1
    assert applied.outputs["log_group_names"] == ["/ecs/ig-notification"]
    assert applied.outputs["task_role_arn"] == "arn:aws:iam::575084400422:role/ecsTaskRole"


def test_no_secret_value_lands_in_state(apply_runs):
    applied = apply_runs.result("environment:prod").applied
    assert applied.seeded_secrets, "the prod stack reads a runtime secret, so one was seeded"
    assert SECRET_VALUE_MARKER not in applied.state_text
    state = json.loads(applied.state_text)
    assert "aws_secretsmanager_secret_version" not in {r["type"] for r in state["resources"]}


def test_read_back_sees_a_rendered_file_the_account_does_not_match(apply_runs):
    facts = apply_runs.result("environment:prod").facts
    assert facts["rendered"] == [
        "task definition: containerDefinitions[0].environment[0].value: expected 'planted', got 'ap-northeast-2'"
    ]


def test_read_back_sees_a_policy_the_plan_does_not_grant(apply_runs):
    (problem,) = apply_runs.result("environment:prod").facts["policy"]
    assert problem.startswith("role ecsTaskRole: inline policy ig-notification-task-role differs from the plan")


def test_a_planted_change_fails_the_second_plan(apply_runs):
    error = apply_runs.result("environment:prod").facts["planted"]
    assert "the second plan is not empty" in error
    assert "aws_cloudwatch_log_group.ecs_ig_notification (update): retention_in_days\n" in error


def test_the_emulator_gap_masks_nothing_beside_it(apply_runs):
    """every-field's second plan replaces the task definition on the gap alone; a tag planted in the same
    resource still fails once the gap is pinned, and only it."""
    outcome = apply_runs.result("fixture:every-field")
    assert outcome.applied.gaps == ["aws_ecs_task_definition.task_definition: enable_fault_injection"]
    planted = outcome.facts["planted"]
    assert "the second plan is not empty beside the emulator gaps" in planted
    assert "\n  aws_ecs_task_definition.task_definition (update): tags, tags_all\n\n" in planted


def test_a_deployer_role_gets_the_policy_through_a_role_attachment(apply_runs):
    """deploy-action is applied with tests/fixtures/environments/role-deployer.json: an OIDC-style deployer role."""
    outcome = apply_runs.result("fixture:deploy-action")
    assert_applied(outcome)
    resources = outcome.applied.stack["resource"]
    assert resources["aws_iam_role_policy_attachment"]["deployer"]["role"] == "ci-deployer"
    assert "aws_iam_user_policy_attachment" not in resources
    state = json.loads(outcome.applied.state_text)
    attached = [r for r in state["resources"] if r["type"] == "aws_iam_role_policy_attachment"]
    assert [r["instances"][0]["attributes"]["role"] for r in attached] == ["ci-deployer"]


def test_ci_deploys_and_runs_what_it_registers_and_the_next_plan_is_empty(apply_runs):
    """multi-container with tests/fixtures/environments/deployer-run.json: the cluster exists, the service runs
    revision 1; CI's calls (as the deployer's requests name them) resolve the image's tag to its digest, read the
    revision the service runs, register revision 2 with the image by digest, run it as a task, stop it, update the
    service to it and roll it back to revision 1, as the workflow does when a service does not become stable; the
    next plan shows no changes: CI's revisions and the service do not fight Terraform, and the revision the stack
    registered stays."""
    from .apply_jobs import DEPLOY_CALLS

    outcome = apply_runs.result("fixture:multi-container")
    assert_applied(outcome)
    deploy = outcome.facts["deploy"]
    assert (
        deploy["calls"]
        == list(DEPLOY_CALLS)
        == [
            "ecr:DescribeImages",
            "ecs:DescribeServices",
            "ecs:RegisterTaskDefinition",
            "ecs:RunTask",
            "ecs:DescribeTasks",
            "ecs:StopTask",
            "ecs:DescribeServices",
            "ecs:UpdateService",
            "ecs:DescribeServices",
            "ecs:UpdateService",
            "ecs:DescribeServices",
        ]
    )
    assert deploy["revision"] == 2 and deploy["cluster_status"] == "ACTIVE" and deploy["revision_1_status"] == "ACTIVE"
    assert re.fullmatch(
        r"575084400422\.dkr\.ecr\.ap-northeast-2\.amazonaws\.com/ig-notification-migrate@sha256:[0-9a-f]{64}",
        deploy["image"],
    ), deploy["image"]
    family = outcome.applied.stack["resource"]["aws_ecs_task_definition"]["task_definition"]["family"]
    arn = f"arn:aws:ecs:ap-northeast-2:575084400422:task-definition/{family}"
    assert deploy["services"] == {"ig-notification": f"{arn}:2"}
    assert deploy["rolled_back"] == {"ig-notification": f"{arn}:1"}
    assert deploy["task"].startswith("arn:aws:ecs:ap-northeast-2:575084400422:task/ig-pilot/")
    assert outcome.facts["plan_after_deploy"] == []
    assert (
        outcome.applied.stack["resource"]["aws_iam_role_policy_attachment"]["deployer"]["role"]
        == "ig-notification-github-deploy"
    )


def test_five_services_share_the_deployer_and_the_default_roles(apply_runs):
    """The five stacks of tests/fixtures/services applied into one account: the user holds the five deployer
    policies, each shared role holds the other service's inline policy and the five services' own, and IAM's
    size of what each stack wrote never exceeds what taskdef/model/quotas.py measured for it (never understated)."""
    from taskdef.model.quotas import policy_size, usages

    from .apply_jobs import SERVICES

    outcome = apply_runs.result("services:five")
    assert_applied(outcome)
    plans = [load_plan(load_settings_file(p)) for p in sorted(SERVICES.glob("*.json"))]
    facts = outcome.facts
    assert sorted(a.rsplit("/", 1)[1] for a in facts["deployer_attached"]) == sorted(
        p.deployer.policy_name for p in plans
    )
    for role_name, inline in facts["inline"].items():
        ours = {
            u.policies[0]: u.used
            for p in plans
            for u in usages(p)
            if u.quota == "role_inline" and u.name == role_name and u.policies
        }
        assert set(inline) == {"other-service-inline", *ours}
        for name, measured in ours.items():
            assert policy_size(inline[name]) <= measured < policy_size(inline[name]) + 100, name


def load_settings_file(path):
    import json

    from taskdef.input.settings import parse_settings

    return parse_settings(json.loads(path.read_text(encoding="utf-8")), source=path.name)


def test_the_overflow_policy_is_attached_beside_what_the_shared_role_held(apply_runs):
    """60 SSM secrets: the execution role's inline policy is full and the rest is a managed policy of the stack's
    own (read back as planned by the harness); the shared role keeps all it had."""
    outcome = apply_runs.result("quotas:overflow")
    assert_applied(outcome)
    before, after = outcome.facts["roles_before"], outcome.facts["roles_after"]
    role = "ecsTaskExecutionRole"
    added = sorted(set(after[role]["managed"]) - set(before[role]["managed"]))
    assert added == ["arn:aws:iam::575084400422:policy/ig-notification-task-execution-role-overflow"]
    assert set(after[role]["inline"]) - set(before[role]["inline"]) == {"ig-notification-task-execution-role"}
    assert {**after[role], "inline": before[role]["inline"], "managed": before[role]["managed"]} == before[role]


def test_who_owns_each_difference_diff_reports_after_a_real_apply(apply_runs):
    """Issue 34's done-when, on the deploy job's applied stack (tests/apply_owners.py), each through
    `main.py diff --json`: the stack's revision running is no difference; a deploy of a new image rendered by
    render and registered as the deploy action registers it differs in the image only, the deploy's (exit 0); a
    console copy of it with its tags and one more variable holds that variable as outside (exit 1); the file with
    that variable, the service on the deploy's revision, holds it as the file's (exit 0)."""
    outcome = apply_runs.result("fixture:multi-container")
    assert_applied(outcome)
    facts = outcome.facts["owners"]
    image = f"containerDefinitions[name={facts['first_container']}].image"
    variable = f"containerDefinitions[name={facts['container']}].environment[name=LOG_LEVEL].value"

    def owners(fact):
        assert fact["report"] is not None, fact["stderr"]
        (service,) = fact["report"]["services"]
        return {d["path"]: (d["owner"], d["file"], d["running"]) for d in service["differences"]}

    before = facts["before"]
    assert (before["exit"], owners(before)) == (0, {}), before
    (service,) = before["report"]["services"]
    assert (service["service"], service["running_revision"], service["registered_by_writer"]) == (
        "ig-pilot/ig-notification",
        1,
        "stack",
    )
    assert before["report"]["stack_revision"] == 1  # the provenance Terraform wrote holds for what moto describes

    deploy = facts["deploy"]
    assert deploy["exit"] == 0, deploy
    ((path, (owner, _, running)),) = owners(deploy).items()
    assert (path, owner, running) == (image, "deploy", deploy["image"])
    (service,) = deploy["report"]["services"]
    assert (service["registered_by_writer"], service["commit"]) == ("deploy", "c" * 40)

    console = facts["console"]
    assert "taskdef:writer" in console["copied_tags"]
    assert console["exit"] == 1, console
    assert owners(console) == {
        image: ("deploy", owners(deploy)[image][1], deploy["image"]),
        variable: ("outside", None, "debug"),
    }
    (service,) = console["report"]["services"]
    assert (service["registered_by_writer"], service["claimed_writer"]) == ("outside", "deploy")

    file = facts["file"]
    assert file["exit"] == 0, file
    assert owners(file) == {image: owners(deploy)[image], variable: ("file", "debug", None)}
    (service,) = file["report"]["services"]
    assert service["running_revision"] == deploy["report"]["services"][0]["running_revision"]
