"""The project Checkov checks (policies/, CKV_IGN_*) and the real scan (.checkov.yaml).

Checkov runs three times per session: in-process over every fixture under
tests/fixtures/checkov, and twice through the CLI with the real config, once on
the stack the main job synthesizes and once on copies of it with planted defects.

Fixture convention: in tests/fixtures/checkov/<CHECK_ID>/{pass,fail}/cdk.tf.json,
a data source or resource named ``pass_*`` must pass that check, ``fail_*`` must
fail it, and any other (``na_*``: not applicable; context such as a log group the
task definition references) must not be evaluated by it. Names are unique per file.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from taskdef import arns, rules
from taskdef.settings import ROOT

POLICIES = ROOT / "policies"
CONFIG = ROOT / ".checkov.yaml"
CHECKOV_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "checkov"
CHECK_IDS = [f"CKV_IGN_{n}" for n in range(1, 15)]
ACCOUNT, REGION = "575084400422", "ap-northeast-2"


# --- In-process scan of the fixtures ---------------------------------------------------------

@pytest.fixture(scope="session")
def fixture_records() -> list[Any]:
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform_json.runner import TerraformJsonRunner

    report = TerraformJsonRunner().run(
        root_folder=str(CHECKOV_FIXTURES), external_checks_dir=[str(POLICIES)],
        runner_filter=RunnerFilter(framework=["terraform_json"], checks=["CKV_IGN_*"], show_progress_bar=False))
    assert not report.parsing_errors
    return report.passed_checks + report.failed_checks + report.skipped_checks


def expected_results(path: Path) -> dict[str, str | None]:
    """``{"data.pass_x": "PASSED", "resource.na_y": None, ...}`` from the fixture's names."""
    out: dict[str, str | None] = {}
    for block in ("data", "resource"):
        for entities in json.loads(path.read_text(encoding="utf-8")).get(block, {}).values():
            for name in entities:
                assert f"{block}.{name}" not in out, f"{path}: {name} is not unique (Checkov reports {block}.<name>)"
                out[f"{block}.{name}"] = ("PASSED" if name.startswith("pass_") else
                                          "FAILED" if name.startswith("fail_") else None)
    return out


@pytest.mark.parametrize("kind", ["pass", "fail"])
@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_check_on_its_fixtures(fixture_records, check_id, kind):
    path = CHECKOV_FIXTURES / check_id / kind / "cdk.tf.json"
    expected = expected_results(path)
    records = [r for r in fixture_records if r.check_id == check_id and Path(r.file_abs_path).resolve() == path]
    got = {r.resource: r.check_result["result"].value for r in records}
    assert got == {k: v for k, v in expected.items() if v is not None}
    if kind == "pass":
        assert got and set(got.values()) == {"PASSED"}
    else:
        assert "FAILED" in got.values()
    for r in records:
        if r.check_result["result"].value == "FAILED":
            # Every failure says why; none is the fail-closed path for a check that crashed.
            assert r.details and not any("could not read" in d for d in r.details), (r.resource, r.details)


def test_one_check_per_file_with_unique_ids():
    ids: dict[str, str] = {}
    for path in sorted(POLICIES.glob("*.py")):
        found = re.findall(r'\bid="(CKV_IGN_\d+)"', path.read_text(encoding="utf-8"))
        if path.name in ("__init__.py", "ign_common.py"):
            assert found == [], path.name
            continue
        assert len(found) == 1, f"{path.name}: {found}"
        assert found[0] not in ids, f"{found[0]} in {ids.get(found[0])} and {path.name}"
        ids[found[0]] = path.name
    assert sorted(ids) == sorted(CHECK_IDS)


@pytest.fixture(scope="module")
def ign_common(fixture_records):
    """The helper module as Checkov loaded it (by its bare name, with policies/ on sys.path)."""
    return sys.modules["ign_common"]


def test_secret_name_and_image_rules_are_the_ones_in_taskdef(ign_common):
    # Imported, not copied: the loader's warnings and the scan cannot drift apart.
    assert ign_common.looks_like_secret is rules.looks_like_secret
    assert ign_common.image_is_mutable is arns.image_is_mutable


@pytest.mark.parametrize("text, literal", [
    ("${aws_iam_role.x[*].arn}", ""),
    ("${data.aws_secretsmanager_secret.db.arn}*", "*"),
    ('${jsonencode({a = "}"})}:x', ":x"),
    ('${format("%s${var.b}", "}")}*', "*"),
    ("arn:aws:ssm:${var.region}:1:parameter/a/*", "arn:aws:ssm::1:parameter/a/*"),
])
def test_wildcards_inside_references_are_not_wildcards(ign_common, text, literal):
    assert ign_common.without_interpolations(text) == literal


@pytest.mark.parametrize("pattern, action, matches", [
    ("iam:PassRole", "iam:passrole", True), ("iam:*", "iam:PassRole", True), ("*", "iam:PassRole", True),
    ("iam:Pass?ole", "iam:PassRole", True), ("iam:PassRoles", "iam:PassRole", False), ("ia[m:*", "ia[m:x", True),
])
def test_action_matching_is_iam_globbing(ign_common, pattern, action, matches):
    assert ign_common.action_matches(pattern, action) is matches


# --- The real scan (.checkov.yaml), through the CLI ------------------------------------------

def checkov_executable() -> str:
    beside = Path(sys.executable).with_name("checkov")
    found = str(beside) if beside.exists() else shutil.which("checkov")
    assert found, "checkov is not installed next to this Python or on PATH"
    return found


def real_scan(directory: Path) -> tuple[subprocess.CompletedProcess, dict[str, Any]]:
    """``checkov --config-file .checkov.yaml`` from the repository root, scanning ``directory`` instead of cdktf.out."""
    env = {k: v for k, v in os.environ.items() if k != "BC_SKIP_MAPPING"}  # offline must come from the config
    env["CKV_SKIP_PACKAGE_UPDATE_CHECK"] = "true"  # the PyPI version check has no config-file switch
    result = subprocess.run([checkov_executable(), "--config-file", str(CONFIG), "-d", str(directory), "-o", "json"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    for marker in ("Traceback", "Cannot load external check", "Failed to run check"):
        assert marker not in result.stderr, result.stderr
    return result, json.loads(result.stdout)


def records(report: dict[str, Any], result: str) -> list[dict[str, Any]]:
    return report["results"][f"{result}_checks"]


@pytest.fixture(scope="session")
def default_scan(main_output):
    return real_scan(main_output)


def test_default_stack_scans_clean_with_the_real_config(default_scan):
    result, report = default_scan
    failures = [(r["check_id"], r["resource"], r.get("details")) for r in records(report, "failed")]
    assert failures == []
    assert report["summary"]["parsing_errors"] == 0
    assert result.returncode == 0, result.stderr
    # The project checks loaded and every one of them evaluated something in the real stack.
    assert {r["check_id"] for r in records(report, "passed") if r["check_id"].startswith("CKV_IGN_")} == set(CHECK_IDS)


def test_every_skipped_check_has_a_reason():
    lines = CONFIG.read_text(encoding="utf-8").splitlines()
    start = lines.index("skip-check:")
    entries = [(i, line.strip()) for i, line in enumerate(lines) if i > start and line.strip().startswith("- ")]
    assert entries, "no skip-check entries: drop this test together with the key"
    for i, entry in entries:
        assert lines[i - 1].strip().startswith("#"), f"{entry}: write the reason in a comment above it"


# --- Planted defects -------------------------------------------------------------------------

Stack = dict[str, Any]


def statement(stack: Stack, document: str, sid: str) -> dict[str, Any]:
    return next(s for s in stack["data"]["aws_iam_policy_document"][document]["statement"] if s["sid"] == sid)


def task_definition(stack: Stack) -> dict[str, Any]:
    return stack["resource"]["aws_ecs_task_definition"]["task_definition"]


def in_container(change: Callable[[dict[str, Any]], Any]) -> Callable[[Stack], None]:
    def plant(stack: Stack) -> None:
        td = task_definition(stack)
        containers = json.loads(td["container_definitions"])
        change(containers[0])
        td["container_definitions"] = json.dumps(containers)
    return plant


def setter(path: Callable[[Stack], dict[str, Any]], key: str, value: Any) -> Callable[[Stack], None]:
    return lambda stack: path(stack).__setitem__(key, value)


def _drop_source_account(stack: Stack) -> None:
    s = statement(stack, "task_role_trust", "EcsTasksAssumeRole")
    s["condition"] = [c for c in s["condition"] if c["variable"] != "aws:SourceAccount"]


def _add_secret_version(stack: Stack) -> None:
    stack["data"]["aws_secretsmanager_secret_version"] = {"db_value": {
        "secret_id": "${data.aws_secretsmanager_secret.prod_ignite_pilot_postgresinfo2.id}"}}


ROLE_POLICY = lambda s: s["resource"]["aws_iam_role_policy"]["task_role"]  # noqa: E731
EXEC_ROLE = lambda s: s["resource"]["aws_iam_role"]["task_execution_role"]  # noqa: E731
DEPLOYER = lambda s: s["resource"]["aws_iam_policy"]["deployer"]  # noqa: E731
LOG_GROUP = lambda s: s["resource"]["aws_cloudwatch_log_group"]["ecs_ig_notification"]  # noqa: E731
EXECUTION_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole"

# name -> (plant the defect, {project check that must fail: the resource it reports}).
DEFECTS: dict[str, tuple[Callable[[Stack], None], dict[str, str]]] = {
    "unchanged": (lambda stack: None, {}),
    "pass_role_on_star": (
        lambda s: statement(s, "deployer", "PassTaskRolesToEcsTasks").__setitem__("resources", ["*"]),
        {"CKV_IGN_1": "data.deployer", "CKV_IGN_3": "data.deployer"}),  # PassRole supports resource-level permissions
    "pass_role_without_passed_to_service": (
        lambda s: statement(s, "deployer", "PassTaskRolesToEcsTasks").pop("condition"),
        {"CKV_IGN_1": "data.deployer"}),
    "action_star": (
        lambda s: statement(s, "task_role_policy", "SecretsManagerReadRuntimeSecrets").__setitem__("actions", ["*"]),
        {"CKV_IGN_2": "data.task_role_policy", "CKV_IGN_1": "data.task_role_policy"}),  # "*" includes iam:PassRole
    "resource_star_for_scoped_actions": (
        lambda s: statement(s, "task_execution_role_policy", "EcrPullImages").__setitem__("resources", ["*"]),
        {"CKV_IGN_3": "data.task_execution_role_policy"}),
    "secret_read_on_wildcard_name": (
        lambda s: statement(s, "task_role_policy", "SecretsManagerReadRuntimeSecrets").__setitem__(
            "resources", [f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/ignite-pilot/*"]),
        {"CKV_IGN_4": "data.task_role_policy"}),
    "literal_json_policy_reading_parameters_on_wildcard": (
        setter(ROLE_POLICY, "policy", json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "ssm:GetParameters",
            "Resource": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/ig-notification/*"}]})),
        {"CKV_IGN_4": "resource.task_role"}),
    "secret_version_data_source": (_add_secret_version, {"CKV_IGN_6": "data.db_value"}),
    "privileged_container": (in_container(lambda c: c.__setitem__("privileged", True)),
                             {"CKV_IGN_7": "resource.task_definition"}),
    "writable_root_file_system": (in_container(lambda c: c.__setitem__("readonlyRootFilesystem", False)),
                                  {"CKV_IGN_8": "resource.task_definition"}),
    "plaintext_secret_environment": (
        in_container(lambda c: c["environment"].append({"name": "DB_PASSWORD", "value": "hunter2"})),
        {"CKV_IGN_9": "resource.task_definition"}),
    "latest_image": (in_container(lambda c: c.__setitem__("image", c["image"].rsplit(":", 1)[0] + ":latest")),
                     {"CKV_IGN_10": "resource.task_definition"}),
    "untagged_image": (in_container(lambda c: c.__setitem__("image", c["image"].rsplit(":", 1)[0])),
                       {"CKV_IGN_10": "resource.task_definition"}),
    "awslogs_group_not_managed": (
        in_container(lambda c: c["logConfiguration"]["options"].__setitem__("awslogs-group", "/ecs/ig-notification")),
        {"CKV_IGN_11": "resource.task_definition"}),
    "short_log_retention": (setter(LOG_GROUP, "retention_in_days", 30),
                            {"CKV_IGN_12": "resource.ecs_ig_notification"}),
    "no_log_retention": (lambda s: LOG_GROUP(s).pop("retention_in_days"),
                         {"CKV_IGN_12": "resource.ecs_ig_notification"}),
    "trust_without_source_account": (_drop_source_account, {"CKV_IGN_5": "data.task_role_trust"}),
    "literal_trust_policy_without_source_account": (
        setter(EXEC_ROLE, "assume_role_policy", json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]})),
        {"CKV_IGN_5": "resource.task_execution_role"}),
    "execution_role_as_task_role": (setter(task_definition, "task_role_arn", "${aws_iam_role.task_execution_role.arn}"),
                                    {"CKV_IGN_13": "resource.task_definition"}),
    "same_role_arn_for_both": (
        lambda s: task_definition(s).update(execution_role_arn=EXECUTION_ROLE_ARN, task_role_arn=EXECUTION_ROLE_ARN),
        {"CKV_IGN_13": "resource.task_definition"}),
    "policy_the_checks_cannot_read": (
        setter(DEPLOYER, "policy", '${jsonencode({Version = "2012-10-17", Statement = []})}'),
        {"CKV_IGN_14": "resource.deployer"}),
    "container_definitions_the_checks_cannot_read": (
        setter(task_definition, "container_definitions", "${jsonencode(local.containers)}"),
        {"CKV_IGN_14": "resource.task_definition"}),
}


@pytest.fixture(scope="session")
def planted_scan(main_stack_dir, tmp_path_factory):
    base = (main_stack_dir / "cdk.tf.json").read_text(encoding="utf-8")
    root = tmp_path_factory.mktemp("planted")
    for name, (plant, _) in DEFECTS.items():
        stack = json.loads(base)
        plant(stack)
        (root / name).mkdir()
        (root / name / "cdk.tf.json").write_text(json.dumps(stack, indent=2), encoding="utf-8")
    return real_scan(root)


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_planted_defect_fails_the_matching_project_check(planted_scan, defect):
    result, report = planted_scan
    expected = DEFECTS[defect][1]
    failed = {(r["check_id"], r["resource"]) for r in records(report, "failed") if r["file_path"] == f"/{defect}/cdk.tf.json"}
    assert {f for f in failed if f[0].startswith("CKV_IGN_")} == set(expected.items())
    if not expected:  # the untouched copy: the copying itself breaks nothing, for any check
        assert failed == set()
    assert result.returncode == 1  # some copies fail, so the whole scan does


def test_every_valid_fixture_stack_scans_clean(valid_fixture_stacks):
    """Console exports, describe output, deploy-action files, FireLens, Windows, EC2, EXTERNAL: zero failures."""
    (directory,) = {stack_dir.parent.parent for _, stack_dir in valid_fixture_stacks.values()}
    result, report = real_scan(directory)
    failures = [(r["check_id"], r["file_path"], r["resource"]) for r in records(report, "failed")]
    assert failures == []
    assert report["summary"]["parsing_errors"] == 0
    scanned = {r["file_path"].split("/")[-2] for r in records(report, "passed")}
    assert scanned == {plan.settings.stack_name for plan, _ in valid_fixture_stacks.values()}
    assert result.returncode == 0, result.stderr
