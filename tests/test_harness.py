"""The apply harness's own logic, without Terraform: what it finds, what it compares, and when it
skips or fails. (tests/test_apply.py runs it for real.)"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from taskdef.input.settings import RoleSettings

from .conftest import FIXTURES, default_settings, fixture_plan, missing, plan_for, role_deployer_settings
from .harness import (
    AWS_CONFIG_FILE,
    AWS_CREDENTIALS_FILE,
    EMULATOR_GAPS,
    GAP_OVERRIDE_FILE,
    PROVIDER_SOURCE,
    Applied,
    HarnessError,
    ProviderServer,
    Toolchain,
    _platform,
    aws_config,
    changed_attributes,
    contains,
    deployer_problems,
    emulated_services,
    expected_policy,
    find_mirror,
    normalized_policy,
    output_problems,
    override,
    role_problems,
    run_terraform,
    second_plan,
    seed,
    serving_provider,
    switch,
)
from .stub_aws import StubAws


def test_a_missing_mirror_is_named_with_the_variable_to_set(tmp_path):
    reason = find_mirror({"TF_PROVIDER_MIRROR": str(tmp_path)})
    assert isinstance(reason, str) and "TF_PROVIDER_MIRROR" in reason and str(tmp_path) in reason


def test_a_mirror_gives_its_newest_provider_version(tmp_path):
    for version in ("5.9.0", "5.100.0", "5.10.1"):
        (tmp_path / PROVIDER_SOURCE / version / _platform()).mkdir(parents=True)
    assert find_mirror({"TF_PROVIDER_MIRROR": str(tmp_path)}) == (tmp_path, "5.100.0")
    # the packed layout that `terraform providers mirror` writes
    (tmp_path / PROVIDER_SOURCE / f"terraform-provider-aws_5.101.0_{_platform()}.zip").write_bytes(b"")
    assert find_mirror({"TF_PROVIDER_MIRROR": str(tmp_path)}) == (tmp_path, "5.101.0")


def direct_skips(paths) -> list[str]:
    """Calls of pytest.skip or pytest.importorskip, and skip marks, in the given modules."""
    import ast

    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = ast.unparse(node.func) if isinstance(node, ast.Call) else None
            marked = ast.unparse(node) if isinstance(node, ast.Attribute) else None
            if called in ("pytest.skip", "pytest.importorskip") or marked in ("pytest.mark.skip", "pytest.mark.skipif"):
                found.append(f"{path.name}: {ast.unparse(node)}")
    return found


def test_no_test_skips_except_through_missing(tmp_path):
    """conftest.missing fails under CI=true; a direct skip would stay a skip there, and CI would pass without
    the tests it skipped."""
    assert direct_skips(sorted(Path(__file__).parent.glob("*.py"))) == [
        "conftest.py: pytest.skip(what)"
    ]  # missing() itself
    planted = tmp_path / "test_planted.py"
    planted.write_text("import pytest\n\n@pytest.mark.skipif(True, reason='x')\ndef test_a():\n    pytest.skip('no')\n")
    assert sorted(direct_skips([planted])) == [
        "test_planted.py: pytest.mark.skipif",
        "test_planted.py: pytest.skip('no')",
    ]


def test_missing_tools_skip_locally_and_fail_under_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no terraform binary"):
        missing("no terraform binary on PATH")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true requires the Terraform tests to run"):
        missing("no terraform binary on PATH")


def test_contains_ignores_order_only_where_terraform_keeps_a_set():
    assert contains({"volumes": [{"name": "a"}, {"name": "b"}]}, {"volumes": [{"name": "b"}, {"name": "a"}]}) == []
    assert (
        contains(
            {"containerDefinitions": [{"name": "a"}, {"name": "b"}]},
            {"containerDefinitions": [{"name": "b"}, {"name": "a"}]},
        )
        != []
    )


def test_contains_allows_more_members_but_never_fewer_or_other_values():
    assert contains({"a": 1}, {"a": 1, "cpu": 0}) == []
    assert contains({"a": 1, "b": 2}, {"a": 1}) == ["b: missing (expected 2)"]
    assert contains({"a": [1, 2]}, {"a": [1, 2, 3]}) == ["a: expected [1, 2], got [1, 2, 3]"]
    assert contains({"a": {"b": "x"}}, {"a": {"b": "y"}}) == ["a.b: expected 'x', got 'y'"]


def test_changed_attributes_leave_out_what_is_computed():
    change = {
        "before": {"cpu": "512", "arn": "x", "tags": {}},
        "after": {"cpu": "1024", "arn": None, "tags": {}},
        "after_unknown": {"arn": True},
    }
    assert changed_attributes(change) == {"cpu"}


def test_policies_compare_without_order_or_singleton_lists():
    written = {"Statement": [{"Sid": "A", "Effect": "Allow", "Action": ["b", "a"], "Resource": "r"}]}
    read = {"Statement": [{"Sid": "A", "Effect": "Allow", "Action": ["a", "b"], "Resource": ["r"]}]}
    assert normalized_policy(written) == normalized_policy(read)


def test_a_type_the_emulator_does_not_serve_stops_the_harness():
    assert emulated_services({"resource": {"aws_iam_role": {}}, "data": {"aws_secretsmanager_secret": {}}}) == [
        "iam",
        "secretsmanager",
        "sts",
    ]
    with pytest.raises(HarnessError, match="aws_s3_bucket: the emulator is not known to serve"):
        emulated_services({"resource": {"aws_s3_bucket": {}}})


def test_every_service_goes_to_the_emulator_through_the_copys_own_config(tmp_path):
    """The provider reads no AWS file of the user's, and no `endpoints` of the stack's can bypass the profile."""
    stack = {"provider": {"aws": [{"region": "ap-northeast-2"}]}, "resource": {"aws_iam_role": {}}}
    provider = override(stack, Toolchain("terraform", tmp_path, "5.100.0"), tmp_path)["provider"]["aws"][0]
    assert provider["shared_config_files"] == [str(tmp_path.resolve() / AWS_CONFIG_FILE)]
    assert provider["shared_credentials_files"] == [str(tmp_path.resolve() / AWS_CREDENTIALS_FILE)]
    assert "endpoints" not in provider
    moto = type("Moto", (), {"url": "http://127.0.0.1:5123"})()
    assert aws_config(moto) == f"[profile {provider['profile']}]\nendpoint_url = http://127.0.0.1:5123\n"
    stack["provider"]["aws"][0]["endpoints"] = [{"iam": "https://iam.amazonaws.com"}]
    with pytest.raises(HarnessError, match="endpoints of its own"):
        override(stack, Toolchain("terraform", tmp_path, "5.100.0"), tmp_path)
    aliased = {"provider": {"aws": [{"region": "ap-northeast-2"}, {"region": "us-east-1", "alias": "global"}]}}
    with pytest.raises(HarnessError, match="alias 'global'"):
        override(aliased, Toolchain("terraform", tmp_path, "5.100.0"), tmp_path)


def test_a_switch_to_a_stack_that_reaches_past_the_emulator_stops_before_terraform(tmp_path):
    (tmp_path / "next").mkdir()
    (tmp_path / "next" / "cdk.tf.json").write_text(
        json.dumps({"provider": {"aws": [{"endpoints": [{"ecs": "https://ecs.amazonaws.com"}]}]}}), encoding="utf-8"
    )
    applied = Applied(tmp_path / "applied", {}, {}, "", "")
    with pytest.raises(HarnessError, match="endpoints of its own"):
        switch(applied, tmp_path / "next", toolchain=Toolchain("/nonexistent/terraform", tmp_path, "5.100.0"))


REATTACH = '{"registry.terraform.io/hashicorp/aws":{"Protocol":"grpc","Pid":1}}'


def installed_provider(workdir: Path, script: str) -> Path:
    """A stand-in for the hashicorp/aws binary that ``terraform init`` installs in the workdir."""
    binary = (
        workdir / ".terraform/providers" / PROVIDER_SOURCE / "9.9.9" / _platform() / "terraform-provider-aws_v9.9.9_x5"
    )
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    binary.chmod(0o755)
    return binary


def echo_terraform(tmp_path: Path) -> Toolchain:
    """A stand-in for terraform that prints the provider it would attach to, and exits with $FAKE_EXIT."""
    binary = tmp_path / "terraform"
    binary.write_text(
        '#!/bin/sh\necho "reattach=${TF_REATTACH_PROVIDERS:-none}"; sleep ${FAKE_SLEEP:-0}; exit ${FAKE_EXIT:-0}\n',
        encoding="utf-8",
    )
    binary.chmod(0o755)
    return Toolchain(str(binary), tmp_path, "9.9.9")


# A stand-in provider that serves until interrupted, as a debug-mode provider does; its pid (which exec keeps)
# goes to a file, once per start.
SERVING = f"""echo $$ >> "$(dirname "$0")/pids"
cat <<'END'
Provider started. To attach Terraform CLI, set TF_REATTACH_PROVIDERS='{REATTACH}'
END
exec sleep 60
"""


def started_pids(workdir: Path) -> list[int]:
    pids = next(workdir.rglob("pids"), None)
    return [int(line) for line in pids.read_text(encoding="utf-8").split()] if pids else []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_jobs_commands_but_init_attach_to_one_provider_process_stopped_at_the_end(tmp_path):
    workdir = tmp_path / "stack"
    installed_provider(workdir, SERVING)
    toolchain = echo_terraform(tmp_path)
    assert run_terraform(toolchain, workdir, "plan").stdout == "reattach=none\n"  # outside a job: its own provider
    with serving_provider():
        assert run_terraform(toolchain, workdir, "init").stdout == "reattach=none\n"  # init installs, never attaches
        assert run_terraform(toolchain, workdir, "apply").stdout == f"reattach={REATTACH}\n"
        assert run_terraform(toolchain, workdir, "plan").stdout == f"reattach={REATTACH}\n"
        [pid] = started_pids(workdir)
        assert alive(pid)
    assert not alive(pid), "the provider process outlived its job"


def test_an_inner_job_leaves_the_outer_jobs_provider_serving(tmp_path):
    outer, inner = tmp_path / "outer", tmp_path / "inner"
    installed_provider(outer, SERVING)
    installed_provider(inner, SERVING)
    toolchain = echo_terraform(tmp_path)
    with serving_provider():
        run_terraform(toolchain, outer, "apply")
        with serving_provider():
            run_terraform(toolchain, inner, "apply")
        assert not alive(started_pids(inner)[0])
        assert run_terraform(toolchain, outer, "plan").stdout == f"reattach={REATTACH}\n"
        assert len(started_pids(outer)) == 1 and alive(started_pids(outer)[0])
    assert not alive(started_pids(outer)[0])


def test_the_provider_is_interrupted_when_the_harness_lets_go_of_it_however_it_ends(tmp_path):
    """Its lifeline is a pipe whose write end only the harness's process holds; a process that ends closes it."""
    workdir = tmp_path / "stack"
    installed_provider(workdir, SERVING)
    server = ProviderServer(workdir, {"PATH": os.environ["PATH"]})
    server._process.stdin.close()  # what the kernel does when the harness's process dies
    try:
        assert server._process.wait(timeout=10) == -2  # SIGINT: the provider itself, which exec made the shell
    finally:
        server.stop()


def test_a_provider_that_cannot_start_in_debug_mode_says_why(tmp_path):
    workdir = tmp_path / "stack"
    installed_provider(workdir, 'echo "flag provided but not defined: -debug"; exit 2\n')
    with serving_provider(), pytest.raises(HarnessError, match="did not start in debug mode: exited 2") as failed:
        run_terraform(echo_terraform(tmp_path), workdir, "apply")
    assert "flag provided but not defined: -debug" in str(failed.value)


def test_a_failed_command_shows_the_providers_crash_from_its_first_line(tmp_path, monkeypatch):
    workdir = tmp_path / "stack"
    stack = "\n".join(f"goroutine {n} [running]:\nmain.frame{n}()" for n in range(40))  # longer than any tail
    installed_provider(
        workdir,
        f"""cat <<'END'
TF_REATTACH_PROVIDERS='{REATTACH}'
panic: planted crash
{stack}
END
exit 2
""",
    )
    monkeypatch.setenv("FAKE_EXIT", "1")
    monkeypatch.setenv("FAKE_SLEEP", "1")  # time for the provider to have exited when the failure is reported
    with serving_provider(), pytest.raises(HarnessError, match="the provider process exited 2; its crash") as failed:
        run_terraform(echo_terraform(tmp_path), workdir, "apply")
    assert "panic: planted crash\ngoroutine 0 [running]:" in str(failed.value)


def test_each_emulator_gap_names_one_argument_of_one_resource_type():
    for gap in EMULATOR_GAPS:
        assert gap.resource_type.startswith("aws_") and gap.argument.isidentifier() and gap.why


# --- the second plan, from saved plans of a real apply (tests/fixtures/plans/: how each was made) -------------

PLANS = FIXTURES / "plans"


def saved(name: str) -> dict:
    return json.loads((PLANS / f"{name}.json").read_text(encoding="utf-8"))


def saved_terraform(*plans: str | dict):
    """A stand-in for run_terraform: each `plan` answers with the next saved plan's exit code, and `show -json`
    with its JSON. ``pins`` records the gap override present at each plan."""
    queue = [saved(p) if isinstance(p, str) else p for p in plans]
    current: dict = {}

    def terraform(toolchain, workdir, *args, ok=(0,), timeout=600):
        if args[0] == "plan":
            current.update(queue.pop(0))
            pins = workdir / GAP_OVERRIDE_FILE
            terraform.pins.append(json.loads(pins.read_text(encoding="utf-8")) if pins.exists() else None)
            return subprocess.CompletedProcess(args, current["exit_code"], "plan text\n", "")
        assert args[:2] == ("show", "-json"), args
        return subprocess.CompletedProcess(args, 0, json.dumps(current["show"]), "")

    terraform.pins = []
    return terraform


def test_the_gap_alone_is_pinned_to_the_emulator_s_value_and_then_nothing_changes(tmp_path):
    terraform = saved_terraform("gap-only", "gap-only-pinned")
    assert second_plan(None, tmp_path, terraform=terraform) == [
        "aws_ecs_task_definition.task_definition: enable_fault_injection"
    ]
    assert terraform.pins == [
        None,
        {"resource": {"aws_ecs_task_definition": {"task_definition": {"enable_fault_injection": False}}}},
    ]
    assert not (tmp_path / GAP_OVERRIDE_FILE).exists()


# Every gap, and the real changes beside it that must still fail: (first plan, plan with the gap pinned, report).
REAL_CHANGES_BESIDE_GAPS = {
    ("aws_ecs_task_definition", "enable_fault_injection"): [
        ("gap-and-tags", "gap-and-tags-pinned", "aws_ecs_task_definition.task_definition (update): tags, tags_all\n"),
        (
            "gap-and-track-latest",
            "gap-and-track-latest-pinned",
            "aws_ecs_task_definition.task_definition (update): track_latest\n",
        ),
        ("gap-and-cpu", None, "aws_ecs_task_definition.task_definition (delete/create): cpu\n"),
    ],
}


def test_every_gap_has_real_changes_beside_it_that_fail():
    assert set(REAL_CHANGES_BESIDE_GAPS) == {(g.resource_type, g.argument) for g in EMULATOR_GAPS}


@pytest.mark.parametrize(
    "first, pinned, report", [case for cases in REAL_CHANGES_BESIDE_GAPS.values() for case in cases]
)
def test_a_real_change_beside_the_gap_fails(tmp_path, first, pinned, report):
    terraform = saved_terraform(*(p for p in (first, pinned) if p))
    with pytest.raises(HarnessError) as info:
        second_plan(None, tmp_path, terraform=terraform)
    assert report in str(info.value)
    assert not (tmp_path / GAP_OVERRIDE_FILE).exists()


@pytest.mark.parametrize(
    "plan, report",
    [
        ("output-only-pinned", "output planted_output (create)\n"),
        (
            "noop-import-pinned",
            "aws_iam_role_policy.task_role (import of 'ecsTaskRole:ig-notification-every-field-task-role', no-op)\n",
        ),
        (
            {"exit_code": 2, "show": {"resource_changes": [], "output_changes": {}}},
            "terraform plan exited 2 (changes present), but its JSON names no change the harness recognises\n",
        ),
    ],
)
def test_exit_code_2_without_a_resource_change_still_fails(tmp_path, plan, report):
    with pytest.raises(HarnessError, match="the second plan is not empty") as info:
        second_plan(None, tmp_path, terraform=saved_terraform(plan))
    assert report in str(info.value)


def test_a_plan_that_exits_0_is_empty_without_being_shown(tmp_path):
    assert second_plan(None, tmp_path, terraform=saved_terraform({"exit_code": 0, "show": None})) == []


# --- the read-back's parts, against a stub account ------------------------------------------------------------


def test_an_empty_output_is_not_set(default_plan):
    stack = {"output": {name: {} for name in ("none", "missing", "text", "list", "map", "zero", "set")}}
    outputs = {"none": None, "text": "", "list": [], "map": {}, "zero": 0, "set": ["/ecs/x"]}
    assert output_problems(stack, outputs, default_plan) == [
        f"output {n}: not set" for n in ("none", "missing", "text", "list", "map")
    ]


def test_outputs_the_plan_knows_must_hold_the_plan_s_values(default_plan):
    """log_group_names of [] is right only for a stack without log groups."""
    stack = {"output": {"log_group_names": {}, "task_role_arn": {}}}
    role_arn = default_plan.role("task_role").arn
    assert (
        output_problems(stack, {"log_group_names": ["/ecs/ig-notification"], "task_role_arn": role_arn}, default_plan)
        == []
    )
    assert output_problems(stack, {"log_group_names": [], "task_role_arn": ""}, default_plan) == [
        "output log_group_names: [], expected ['/ecs/ig-notification']",
        f"output task_role_arn: '', expected {role_arn!r}",
    ]
    no_log_group = fixture_plan("no-log-group")
    assert no_log_group.log_groups == ()
    assert output_problems({"output": {"log_group_names": {}}}, {"log_group_names": []}, no_log_group) == []


def test_a_deployer_policy_without_its_output_is_a_problem(default_plan):
    aws = StubAws()
    assert deployer_problems({}, default_plan, aws) == [
        "output deployer_policy_arn: not set, so the deployer policy cannot be read back"
    ]
    assert aws.calls == []


def account_policy(statements, aws) -> dict:
    """The document IAM would hold for ``statements``, secrets resolved as in the stub account."""
    return {
        "Version": "2012-10-17",
        "Statement": [dict(s, Sid=sid) for sid, found in expected_policy(statements, aws).items() for s in found],
    }


def stub_account(plan, inline: dict[str, dict] | None = None) -> StubAws:
    """An account holding ``inline`` policies, role name -> {policy name: document}, for the plan's roles."""
    inline = inline or {}
    aws = StubAws(
        {
            ("secretsmanager", "describe_secret"): lambda SecretId: {
                "ARN": f"arn:aws:secretsmanager:ap-northeast-2:575084400422:secret:{SecretId}-AbC123"
            }
        }
    )

    def get_role_policy(RoleName, PolicyName):
        if PolicyName not in inline.get(RoleName, {}):
            raise aws.client("iam").error("NoSuchEntity", "GetRolePolicy")
        return {"PolicyDocument": inline[RoleName][PolicyName]}

    aws.answers[("iam", "get_role_policy")] = get_role_policy
    aws.answers[("iam", "list_role_policies")] = lambda RoleName: {"PolicyNames": list(inline.get(RoleName, {}))}
    return aws


def test_a_second_statement_under_one_sid_is_not_lost(default_plan):
    """Keyed by Sid alone, the last of two statements with one Sid would hide the first."""
    role = default_plan.role("task_role")
    aws = stub_account(default_plan)
    planned = account_policy(role.statements, aws)
    extra = {"Sid": planned["Statement"][0]["Sid"], "Effect": "Allow", "Action": "iam:*", "Resource": "*"}
    doubled = dict(planned, Statement=[extra, *planned["Statement"]])
    assert normalized_policy(doubled) != normalized_policy(planned)
    inline = {r.name: {r.policy_name: account_policy(r.statements, aws)} for r in default_plan.roles}
    assert role_problems(default_plan, stub_account(default_plan, inline), {}) == []
    inline[role.name][role.policy_name] = doubled
    (problem,) = role_problems(default_plan, stub_account(default_plan, inline), {})
    assert problem.startswith(f"role {role.name}: inline policy {role.policy_name} differs from the plan")


def test_a_pass_only_role_must_have_nothing_attached():
    settings = default_settings(roles=RoleSettings(mode="external", pass_only=("ecsTaskRole",)))
    plan = plan_for(settings=settings)
    execution, task = plan.role("task_execution_role"), plan.role("task_role")
    assert not task.attach_policies
    aws = stub_account(plan)
    clean = {execution.name: {execution.policy_name: account_policy(execution.statements, aws)}}
    assert role_problems(plan, stub_account(plan, clean), {"resources": []}) == []
    # the stack's policy on the pass_only role, in the account and in the state
    attached = dict(clean, **{task.name: {task.policy_name: account_policy(task.statements, aws)}})
    state = {
        "resources": [
            {
                "mode": "managed",
                "type": "aws_iam_role_policy",
                "name": "task_role",
                "instances": [{"attributes": {"role": task.name, "name": task.policy_name}}],
            }
        ]
    }
    assert role_problems(plan, stub_account(plan, attached), state) == [
        "role ecsTaskRole is pass_only, but the state's aws_iam_role_policy.task_role attaches to it",
        f"role ecsTaskRole is pass_only, but holds the stack's inline policy {task.policy_name}",
    ]


def test_a_deployer_role_is_seeded_and_its_attachment_read_back():
    """A deployer role exists outside the stack: seeded like the deployer user, and read back on the role."""
    aws = StubAws()
    seed(
        {
            "resource": {
                "aws_iam_role_policy_attachment": {
                    "deployer": {"role": "ci-deployer", "policy_arn": "${aws_iam_policy.deployer.arn}"},
                    "managed": {"role": "${aws_iam_role.task_role.name}", "policy_arn": "arn:aws:iam::aws:policy/x"},
                }
            }
        },
        aws,
        {},
    )
    assert [kwargs["RoleName"] for service, method, kwargs in aws.calls if method == "create_role"] == ["ci-deployer"]

    plan = plan_for(settings=role_deployer_settings())
    arn = "arn:aws:iam::575084400422:policy/ig-notification-deployer"
    aws = stub_account(plan)
    aws.answers.update(
        {
            ("iam", "get_policy"): {"Policy": {"DefaultVersionId": "v1"}},
            ("iam", "get_policy_version"): lambda **_: {
                "PolicyVersion": {"Document": account_policy(plan.deployer.statements, aws)}
            },
            ("iam", "list_attached_role_policies"): {"AttachedPolicies": []},
        }
    )
    assert deployer_problems({"deployer_policy_arn": arn}, plan, aws) == [
        "deployer policy is not attached to role ci-deployer"
    ]
    aws.answers[("iam", "list_attached_role_policies")] = {"AttachedPolicies": [{"PolicyArn": arn}]}
    assert deployer_problems({"deployer_policy_arn": arn}, plan, aws) == []
    assert not any(method == "list_attached_user_policies" for _, method, _ in aws.calls)


def test_an_overflow_policy_is_read_back_attached_and_as_planned():
    from .harness import overflow_problems
    from .test_quotas import KMS_KEYS, sixty_secrets

    plan = plan_for(sixty_secrets(), default_settings(secrets_kms_key_arns=KMS_KEYS))
    role = plan.role("task_execution_role")
    arn = f"arn:aws:iam::575084400422:policy/{role.overflow_policy_name}"
    aws = stub_account(plan)
    planned = account_policy(role.overflow_statements, aws)
    aws.answers.update(
        {
            ("iam", "get_policy"): {"Policy": {"DefaultVersionId": "v1"}},
            ("iam", "get_policy_version"): lambda **_: {"PolicyVersion": {"Document": planned}},
            ("iam", "list_attached_role_policies"): {"AttachedPolicies": []},
        }
    )
    assert overflow_problems(role, aws) == [
        f"role ecsTaskExecutionRole: overflow policy {role.overflow_policy_name} is not attached"
    ]
    aws.answers[("iam", "list_attached_role_policies")] = {
        "AttachedPolicies": [{"PolicyName": role.overflow_policy_name, "PolicyArn": arn}]
    }
    assert overflow_problems(role, aws) == []
    narrower = dict(planned, Statement=planned["Statement"][:-1])
    aws.answers[("iam", "get_policy_version")] = lambda **_: {"PolicyVersion": {"Document": narrower}}
    (problem,) = overflow_problems(role, aws)
    assert problem.startswith(f"role ecsTaskExecutionRole: overflow policy {role.overflow_policy_name} differs")
