"""The project Checkov checks (policies/, CKV_IGN_*) and the real scan (.checkov.yaml).

Checkov runs in-process over every fixture under tests/fixtures/checkov, through
the CLI with the real config on copies of a synthesized stack with planted defects
and on the valid fixtures' stacks, and through scripts/scan.sh (the main job's and
the PR workflow's scan) once on the stacks the main job synthesizes (which the
real-config test reads too) and on fixtures with planted broken checks; the guard
(scripts/scan_guard.py) is also tested on crafted results.

Fixture convention: in tests/fixtures/checkov/<CHECK_ID>/{pass,fail}/cdk.tf.json,
a data source or resource named ``pass_*`` must pass that check, ``fail_*`` must
fail it, and any other (``na_*``: not applicable; context such as a log group the
task definition references) must not be evaluated by it. Names are unique per file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from taskdef.input import arns, rules
from taskdef.input.settings import ROOT, RoleSettings

from .conftest import default_settings, plan_for, synth_stack

POLICIES = ROOT / "policies"
CONFIG = ROOT / ".checkov.yaml"
CHECKOV_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "checkov"
CHECK_IDS = [f"CKV_IGN_{n}" for n in range(1, 15)]
ACCOUNT, REGION = "575084400422", "ap-northeast-2"


# --- In-process scan of the fixtures ---------------------------------------------------------


def scanner_python() -> Path:
    """The scanner's own Python (scripts/install.sh makes it); Checkov is not in the project's environment."""
    found = Path(os.environ.get("IG_SCANNER_VENV", ROOT / ".venv-scanner")) / "bin" / "python"
    assert found.is_file(), f"{found}: no scanner environment: run bash scripts/install.sh"
    return found


@pytest.fixture(scope="session")
def fixture_records() -> list[dict[str, Any]]:
    result = subprocess.run(
        [
            str(scanner_python()),
            str(Path(__file__).with_name("scanner_records.py")),
            str(CHECKOV_FIXTURES),
            str(POLICIES),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout)
    assert not report["parsing_errors"]
    return report["records"]


def expected_results(path: Path) -> dict[str, str | None]:
    """``{"data.pass_x": "PASSED", "resource.na_y": None, ...}`` from the fixture's names."""
    out: dict[str, str | None] = {}
    for block in ("data", "resource"):
        for entities in json.loads(path.read_text(encoding="utf-8")).get(block, {}).values():
            for name in entities:
                assert f"{block}.{name}" not in out, f"{path}: {name} is not unique (Checkov reports {block}.<name>)"
                out[f"{block}.{name}"] = (
                    "PASSED" if name.startswith("pass_") else "FAILED" if name.startswith("fail_") else None
                )
    return out


@pytest.mark.parametrize("kind", ["pass", "fail"])
@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_check_on_its_fixtures(fixture_records, check_id, kind):
    path = CHECKOV_FIXTURES / check_id / kind / "cdk.tf.json"
    expected = expected_results(path)
    records = [r for r in fixture_records if r["check_id"] == check_id and Path(r["file_abs_path"]).resolve() == path]
    got = {r["resource"]: r["result"] for r in records}
    assert got == {k: v for k, v in expected.items() if v is not None}
    if kind == "pass":
        assert got and set(got.values()) == {"PASSED"}
    else:
        assert "FAILED" in got.values()
    for r in records:
        if r["result"] == "FAILED":
            # Every failure says why; none is the fail-closed path for a check that crashed.
            assert r["details"] and not any("could not read" in d for d in r["details"]), (r["resource"], r["details"])


def test_one_check_per_file_with_unique_ids():
    ids: dict[str, str] = {}
    for path in sorted(POLICIES.glob("*.py")):
        found = re.findall(r'\bid="(CKV_IGN_\d+)"', path.read_text(encoding="utf-8"))
        if path.name in ("__init__.py", "ign_common.py", "ign_terraform.py"):
            assert found == [], path.name
            continue
        assert len(found) == 1, f"{path.name}: {found}"
        assert found[0] not in ids, f"{found[0]} in {ids.get(found[0])} and {path.name}"
        ids[found[0]] = path.name
    assert sorted(ids) == sorted(CHECK_IDS)


@pytest.fixture(scope="module")
def ign_common():
    """The checks' reading code (policies/ign_terraform.py), which imports nothing of Checkov."""
    spec = importlib.util.spec_from_file_location("ign_terraform", POLICIES / "ign_terraform.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_secret_name_and_image_rules_are_the_ones_in_taskdef(ign_common):
    # Imported, not copied: the loader's warnings and the scan cannot drift apart.
    assert ign_common.looks_like_secret is rules.looks_like_secret
    assert ign_common.image_is_mutable is arns.image_is_mutable


@pytest.mark.parametrize(
    "text, literal",
    [
        ("${aws_iam_role.x[*].arn}", ""),
        ("${data.aws_secretsmanager_secret.db.arn}*", "*"),
        ('${jsonencode({a = "}"})}:x', ":x"),
        ('${format("%s${var.b}", "}")}*', "*"),
        ("arn:aws:ssm:${var.region}:1:parameter/a/*", "arn:aws:ssm::1:parameter/a/*"),
    ],
)
def test_wildcards_inside_references_are_not_wildcards(ign_common, text, literal):
    assert ign_common.without_interpolations(text) == literal


@pytest.mark.parametrize(
    "pattern, action, matches",
    [
        ("iam:PassRole", "iam:passrole", True),
        ("iam:*", "iam:PassRole", True),
        ("*", "iam:PassRole", True),
        ("iam:Pass?ole", "iam:PassRole", True),
        ("iam:PassRoles", "iam:PassRole", False),
        ("ia[m:*", "ia[m:x", True),
    ],
)
def test_action_matching_is_iam_globbing(ign_common, pattern, action, matches):
    assert ign_common.action_matches(pattern, action) is matches


# --- The real scan (.checkov.yaml), through the CLI ------------------------------------------


def checkov_executable() -> str:
    found = scanner_python().with_name("checkov")
    assert found.is_file(), f"{found}: no Checkov in the scanner environment: run bash scripts/install.sh"
    return str(found)


def real_scan(directory: Path) -> tuple[subprocess.CompletedProcess, dict[str, Any]]:
    """``checkov --config-file .checkov.yaml`` from the repository root, scanning ``directory`` instead of cdktf.out."""
    env = {k: v for k, v in os.environ.items() if k != "BC_SKIP_MAPPING"}  # offline must come from the config
    env["CKV_SKIP_PACKAGE_UPDATE_CHECK"] = "true"  # the PyPI version check has no config-file switch
    result = subprocess.run(
        [checkov_executable(), "--config-file", str(CONFIG), "-d", str(directory), "-o", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert_no_crash(result.stderr)
    return result, json.loads(result.stdout)


def assert_no_crash(stderr: str) -> None:
    for marker in ("Traceback", "Cannot load external check", "Failed to run check"):
        assert marker not in stderr, stderr


def records(report: dict[str, Any], result: str) -> list[dict[str, Any]]:
    return report["results"][f"{result}_checks"]


@pytest.fixture(scope="session")
def main_job_scan(all_environments_output, tmp_path_factory):
    """``scripts/scan.sh --sarif`` (what the PR workflow runs after the main job) on every environment's stack,
    once: (the process, the SARIF file, Checkov's JSON results, kept with --json). This test and
    test_guarded_scan_passes_on_a_synthesized_stack read the same run: one Checkov process, not two."""
    work = tmp_path_factory.mktemp("main-job-scan")
    sarif, results = work / "checkov.sarif", work / "results.json"
    result = scan_sh("--sarif", str(sarif), "--json", str(results), "-d", str(all_environments_output))
    assert_no_crash(result.stderr)
    assert results.is_file(), result.stdout[-2000:] + result.stderr[-2000:]
    return result, sarif, json.loads(results.read_text(encoding="utf-8"))


def test_default_stack_scans_clean_with_the_real_config(main_job_scan):
    """Every environment, as the main job synthesizes and scans them."""
    result, _, report = main_job_scan
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
    stack["data"]["aws_secretsmanager_secret_version"] = {
        "db_value": {"secret_id": "${data.aws_secretsmanager_secret.prod_ignite_pilot_postgresinfo2.id}"}
    }


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
        {"CKV_IGN_1": "data.deployer", "CKV_IGN_3": "data.deployer"},
    ),  # PassRole supports resource-level permissions
    "pass_role_without_passed_to_service": (
        lambda s: statement(s, "deployer", "PassTaskRolesToEcsTasks").pop("condition"),
        {"CKV_IGN_1": "data.deployer"},
    ),
    "action_star": (
        lambda s: statement(s, "task_role_policy", "SecretsManagerReadRuntimeSecrets").__setitem__("actions", ["*"]),
        {"CKV_IGN_2": "data.task_role_policy", "CKV_IGN_1": "data.task_role_policy"},
    ),  # "*" includes iam:PassRole
    "resource_star_for_scoped_actions": (
        lambda s: statement(s, "task_execution_role_policy", "EcrPullImages").__setitem__("resources", ["*"]),
        {"CKV_IGN_3": "data.task_execution_role_policy"},
    ),
    "secret_read_on_wildcard_name": (
        lambda s: statement(s, "task_role_policy", "SecretsManagerReadRuntimeSecrets").__setitem__(
            "resources", [f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/ignite-pilot/*"]
        ),
        {"CKV_IGN_4": "data.task_role_policy"},
    ),
    "literal_json_policy_reading_parameters_on_wildcard": (
        setter(
            ROLE_POLICY,
            "policy",
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "ssm:GetParameters",
                            "Resource": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/ig-notification/*",
                        }
                    ],
                }
            ),
        ),
        {"CKV_IGN_4": "resource.task_role"},
    ),
    "secret_version_data_source": (_add_secret_version, {"CKV_IGN_6": "data.db_value"}),
    "privileged_container": (
        in_container(lambda c: c.__setitem__("privileged", True)),
        {"CKV_IGN_7": "resource.task_definition"},
    ),
    "writable_root_file_system": (
        in_container(lambda c: c.__setitem__("readonlyRootFilesystem", False)),
        {"CKV_IGN_8": "resource.task_definition"},
    ),
    "plaintext_secret_environment": (
        in_container(lambda c: c["environment"].append({"name": "DB_PASSWORD", "value": "hunter2"})),
        {"CKV_IGN_9": "resource.task_definition"},
    ),
    "latest_image": (
        in_container(lambda c: c.__setitem__("image", c["image"].rsplit(":", 1)[0] + ":latest")),
        {"CKV_IGN_10": "resource.task_definition"},
    ),
    "untagged_image": (
        in_container(lambda c: c.__setitem__("image", c["image"].rsplit(":", 1)[0])),
        {"CKV_IGN_10": "resource.task_definition"},
    ),
    "awslogs_group_not_managed": (
        in_container(lambda c: c["logConfiguration"]["options"].__setitem__("awslogs-group", "/ecs/ig-notification")),
        {"CKV_IGN_11": "resource.task_definition"},
    ),
    "short_log_retention": (setter(LOG_GROUP, "retention_in_days", 30), {"CKV_IGN_12": "resource.ecs_ig_notification"}),
    "no_log_retention": (
        lambda s: LOG_GROUP(s).pop("retention_in_days"),
        {"CKV_IGN_12": "resource.ecs_ig_notification"},
    ),
    "trust_without_source_account": (_drop_source_account, {"CKV_IGN_5": "data.task_role_trust"}),
    "literal_trust_policy_without_source_account": (
        setter(
            EXEC_ROLE,
            "assume_role_policy",
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        ),
        {"CKV_IGN_5": "resource.task_execution_role"},
    ),
    "execution_role_as_task_role": (
        setter(task_definition, "task_role_arn", "${aws_iam_role.task_execution_role.arn}"),
        {"CKV_IGN_13": "resource.task_definition"},
    ),
    "same_role_arn_for_both": (
        lambda s: task_definition(s).update(execution_role_arn=EXECUTION_ROLE_ARN, task_role_arn=EXECUTION_ROLE_ARN),
        {"CKV_IGN_13": "resource.task_definition"},
    ),
    "policy_the_checks_cannot_read": (
        setter(DEPLOYER, "policy", '${jsonencode({Version = "2012-10-17", Statement = []})}'),
        {"CKV_IGN_14": "resource.deployer"},
    ),
    "container_definitions_the_checks_cannot_read": (
        setter(task_definition, "container_definitions", "${jsonencode(local.containers)}"),
        {"CKV_IGN_14": "resource.task_definition"},
    ),
}


@pytest.fixture(scope="session")
def planted_scan(tmp_path_factory):
    # The default file with roles the stack manages (roles.mode create), so trust policies are there too.
    _, synthesized = synth_stack(plan_for(settings=default_settings(roles=RoleSettings(mode="create"))))
    assert not {"import", "removed"} & set(synthesized)  # the blocks the main job moves out of cdk.tf.json
    base = json.dumps(synthesized)
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
    failed = {
        (r["check_id"], r["resource"]) for r in records(report, "failed") if r["file_path"] == f"/{defect}/cdk.tf.json"
    }
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


# --- The guarded scan (scripts/scan.sh, then scripts/scan_guard.py) --------------------------

SCAN = ROOT / "scripts" / "scan.sh"
GUARD = ROOT / "scripts" / "scan_guard.py"
GUARD_OK = re.compile(r"^scan guard: OK, \d+ passed, \d+ failed, \d+ skipped; all 14 project checks", re.M)


def scan_sh(*args: str, config: Path | None = None) -> subprocess.CompletedProcess:
    """``bash scripts/scan.sh ARGS`` as the main job and the PR workflow run it; ``config`` sets CHECKOV_CONFIG."""
    env = {k: v for k, v in os.environ.items() if k != "CHECKOV_CONFIG"}
    if config is not None:
        env["CHECKOV_CONFIG"] = str(config)
    return subprocess.run(["bash", str(SCAN), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def guard_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("scan guard: ")]


def test_guarded_scan_passes_on_a_synthesized_stack(main_job_scan):
    """The main job's stacks, every environment: prod only reads its roles, dev creates its own with trust
    policies, so every project check has something to evaluate (the guard requires each)."""
    result, sarif, _ = main_job_scan
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed checks: " in result.stdout and "PASSED for resource" in result.stdout  # the usual CLI results
    assert GUARD_OK.search(result.stdout), result.stdout[-2000:]
    assert guard_lines(result) == []
    report = json.loads(sarif.read_text(encoding="utf-8"))
    assert report["version"] == "2.1.0" and report["runs"][0]["tool"]["driver"]["name"] == "Checkov"


@pytest.fixture(scope="session")
def pass_fixtures(tmp_path_factory) -> Path:
    """Every check's pass fixture, one directory each: a scan in which every project check evaluates
    something and nothing fails (test_check_on_its_fixtures). Fixed files, so the tests of the scan
    machinery below do not depend on what the stack synthesizes today."""
    root = tmp_path_factory.mktemp("pass-fixtures")
    for check_id in CHECK_IDS:
        (root / check_id).mkdir()
        shutil.copy(CHECKOV_FIXTURES / check_id / "pass" / "cdk.tf.json", root / check_id / "cdk.tf.json")
    return root


def test_guarded_scan_keeps_checkovs_status_for_a_failed_check(pass_fixtures, tmp_path):
    shutil.copytree(pass_fixtures, tmp_path / "stacks")
    (tmp_path / "stacks" / "failing").mkdir()
    shutil.copy(CHECKOV_FIXTURES / "CKV_IGN_7" / "fail" / "cdk.tf.json", tmp_path / "stacks" / "failing")
    result = scan_sh("--quiet", "-d", str(tmp_path / "stacks"))  # what the main job runs
    assert result.returncode == 1, result.stdout + result.stderr
    assert GUARD_OK.search(result.stdout)  # a whole scan: the failure is the check's, not the guard's
    assert 'Check: CKV_IGN_7: "ECS containers are not privileged"' in result.stdout
    assert "FAILED for resource: resource.fail_" in result.stdout
    assert "PASSED for resource" not in result.stdout  # --quiet: summary and failures only


@pytest.fixture()
def checks_copy(tmp_path) -> tuple[Path, Path]:
    """(a copy of policies/, a copy of .checkov.yaml that loads it instead). taskdef/ is copied beside
    it because ign_common imports taskdef from its own parent directory."""
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(POLICIES, tmp_path / "policies", ignore=ignore)
    shutil.copytree(ROOT / "taskdef", tmp_path / "taskdef", ignore=ignore)
    text = CONFIG.read_text(encoding="utf-8")
    assert text.count("external-checks-dir:\n  - policies\n") == 1
    config = tmp_path / "checkov.yaml"
    config.write_text(
        text.replace("external-checks-dir:\n  - policies\n", f"external-checks-dir:\n  - {tmp_path / 'policies'}\n"),
        encoding="utf-8",
    )
    return tmp_path / "policies", config


def _append_syntax_error(policies: Path) -> None:
    with (policies / "ign_log_retention.py").open("a", encoding="utf-8") as f:
        f.write("\ndef broken(:\n")


# name -> (plant it in the copy of policies/, guard lines that must appear).
BROKEN_CHECKS: dict[str, tuple[Callable[[Path], Any], list[str]]] = {
    "unchanged": (lambda policies: None, []),
    "missing_module_in_a_new_file": (
        lambda policies: (policies / "ign_broken.py").write_text("import no_such_module_anywhere\n", encoding="utf-8"),
        [
            "Checkov logged an error: [ERROR]  Cannot load external check 'ign_broken'",
            "Checkov printed a traceback: ModuleNotFoundError: No module named 'no_such_module_anywhere'",
        ],
    ),
    "syntax_error_in_a_check": (
        _append_syntax_error,
        [
            "Checkov logged an error: [ERROR]  Cannot load external check 'ign_log_retention'",
            "Checkov printed a traceback: SyntaxError: ",
            "project check CKV_IGN_12 (ign_log_retention.py) is absent from the results",
        ],
    ),
}


@pytest.mark.parametrize("broken", list(BROKEN_CHECKS))
def test_a_check_that_cannot_load_fails_the_scan(pass_fixtures, checks_copy, broken):
    policies, config = checks_copy
    plant, expected = BROKEN_CHECKS[broken]
    plant(policies)
    result = scan_sh("-d", str(pass_fixtures), config=config)
    assert "Failed checks: 0" in result.stdout  # Checkov alone passes: every loaded check passed
    lines = guard_lines(result)
    if not expected:  # the copy itself loads every check: what fails below is the planted defect
        assert result.returncode == 0 and lines == [], result.stderr
        assert GUARD_OK.search(result.stdout)
        return
    assert result.returncode == 1, result.stdout + result.stderr
    for line in expected:
        assert any(found.startswith(f"scan guard: {line}") for found in lines), (line, lines)
    assert lines[-1].startswith("scan guard: FAILED")
    assert len(lines) == len(expected) + 1, lines  # one line per finding, nothing else reported


def test_a_command_line_checks_dir_replaces_the_configs_and_the_guard_notices(pass_fixtures, tmp_path):
    """`--external-checks-dir X` replaces .checkov.yaml's list (it does not add to it): no project check runs."""
    (tmp_path / "__init__.py").write_text("", encoding="utf-8")
    result = scan_sh("--external-checks-dir", str(tmp_path), "-d", str(pass_fixtures))
    assert "Failed checks: 0" in result.stdout and result.returncode == 1
    missing = [line for line in guard_lines(result) if "is absent from the results" in line]
    assert [re.search(r"CKV_IGN_\d+", line).group(0) for line in missing] == CHECK_IDS


def test_scan_refuses_output_options_it_sets_itself():
    for args in (["-o", "json"], ["--output-file-path", "x"], ["--config-file", str(CONFIG)]):
        result = scan_sh(*args)
        assert result.returncode == 2 and "sets Checkov's outputs and config itself" in result.stderr, args


def test_scan_refuses_output_file_names_holding_a_comma():
    # Checkov splits --output-file-path on commas, so such a name would shift the outputs.
    for option in ("--sarif", "--json"):
        result = scan_sh(option, "a,b")
        assert result.returncode == 2 and f"{option} a,b: Checkov splits" in result.stderr, result.stderr


# --- The guard on crafted results ------------------------------------------------------------


@pytest.fixture(scope="module")
def scan_guard():
    spec = importlib.util.spec_from_file_location("scan_guard", GUARD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def checkov_report(
    passed: Sequence[str] = (), failed: Sequence[str] = (), skipped: Sequence[str] = (), unparsed: Sequence[str] = ()
) -> dict[str, Any]:
    """The shape of one framework's report in Checkov's -o json output."""

    def records(ids):
        return [{"check_id": i, "resource": "resource.x", "file_path": "/s/cdk.tf.json"} for i in ids]

    return {
        "check_type": "terraform_json",
        "results": {
            "passed_checks": records(passed),
            "failed_checks": records(failed),
            "skipped_checks": records(skipped),
            "parsing_errors": list(unparsed),
        },
        "summary": {
            "passed": len(passed),
            "failed": len(failed),
            "skipped": len(skipped),
            "parsing_errors": len(unparsed),
            "resource_count": 1,
            "checkov_version": "3",
        },
    }


def run_guard(tmp_path: Path, results: Any, stderr: str = "", raw: str | None = None) -> subprocess.CompletedProcess:
    """``python scripts/scan_guard.py`` on ``results`` (as JSON, or ``raw`` text; None writes no file)."""
    if results is not None or raw is not None:
        (tmp_path / "results.json").write_text(json.dumps(results) if raw is None else raw, encoding="utf-8")
    (tmp_path / "stderr").write_text(stderr, encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            str(GUARD),
            "--results",
            str(tmp_path / "results.json"),
            "--stderr",
            str(tmp_path / "stderr"),
            "--checks-dir",
            str(POLICIES),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_guard_finds_the_ids_the_checks_register(scan_guard):
    ids = scan_guard.project_check_ids(POLICIES)
    assert sorted(ids) == sorted(CHECK_IDS)
    assert ids["CKV_IGN_1"] == "ign_pass_role.py"


@pytest.mark.parametrize("kind", ["passed", "failed", "skipped"])
def test_guard_accepts_a_whole_run(tmp_path, kind):
    records = {"passed": ["CKV_AWS_1"], "failed": ["CKV_AWS_2"], "skipped": ["CKV_AWS_3"]}
    records[kind] = records[kind] + CHECK_IDS
    result = run_guard(tmp_path, checkov_report(**records))
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout.startswith("scan guard: OK")


def test_guard_names_a_missing_project_check(tmp_path):
    result = run_guard(tmp_path, checkov_report(passed=[i for i in CHECK_IDS if i != "CKV_IGN_7"]))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "scan guard: project check CKV_IGN_7 (ign_privileged_container.py) is absent from the results: "
        "it did not load, or it evaluated nothing",
        "scan guard: FAILED, 1 finding(s): this scan cannot be trusted",
    ]


def test_guard_fails_on_parsing_errors(tmp_path):
    result = run_guard(tmp_path, checkov_report(passed=CHECK_IDS, unparsed=["/s/cdk.tf.json"]))
    assert result.returncode == 1
    assert (
        "scan guard: Checkov reports 1 parsing error(s), so it skipped those files: /s/cdk.tf.json"
        in result.stderr.splitlines()
    )


def test_guard_fails_on_an_empty_run(tmp_path):
    # What Checkov writes when it finds nothing to scan: a summary, no results.
    empty = {
        "passed": 0,
        "failed": 0,
        "skipped": 0,
        "parsing_errors": 0,
        "resource_count": 0,
        "checkov_version": "3.3.30",
    }
    result = run_guard(tmp_path, empty)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith("scan guard: no check passed, failed or was skipped") for line in lines), lines


def test_guard_reads_one_report_per_framework(tmp_path):
    half = len(CHECK_IDS) // 2
    two = [checkov_report(passed=CHECK_IDS[:half]), checkov_report(failed=CHECK_IDS[half:])]
    assert run_guard(tmp_path, two).returncode == 0
    two[1] = checkov_report(failed=CHECK_IDS[half:], unparsed=["/other.json"])
    result = run_guard(tmp_path, two)
    assert result.returncode == 1 and "1 parsing error(s)" in result.stderr


@pytest.mark.parametrize("results", ["not json", '"a string"', "[1, 2]"])
def test_guard_fails_on_results_that_are_not_a_report(tmp_path, results):
    result = run_guard(tmp_path, None, raw=results)
    assert result.returncode == 1
    assert any(line.startswith("scan guard: Checkov") for line in result.stderr.splitlines()), result.stderr


def test_guard_fails_without_results(tmp_path):
    result = run_guard(tmp_path, None)  # Checkov crashed before writing them
    assert result.returncode == 1 and "Checkov wrote no readable JSON results" in result.stderr


@pytest.mark.parametrize(
    "stderr, expected",
    [
        (
            "2026-01-01 10:00:00,001 [MainThread  ] [ERROR]  Failed to run check CKV_IGN_3 on /s/cdk.tf.json:data.x\n"
            'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\n    boom()\n'
            "KeyError: 'statement'\n",
            [
                "Checkov logged an error: [ERROR]  Failed to run check CKV_IGN_3 on /s/cdk.tf.json:data.x",
                "Checkov printed a traceback: KeyError: 'statement'",
            ],
        ),
        (
            "2026-01-01 10:00:00,001 [MainThread  ] [WARNING]  Failed to run check CKV_IGN_3 on /s/cdk.tf.json:data.x\n",
            ["Checkov logged an error: [WARNING]  Failed to run check CKV_IGN_3 on /s/cdk.tf.json:data.x"],
        ),
        ("2026-01-01 10:00:00,001 [MainThread  ] [WARNING]  some harmless warning\n", []),
        ("", []),
    ],
)
def test_guard_reads_checkovs_stderr(scan_guard, stderr, expected):
    assert scan_guard.stderr_findings(stderr) == expected
