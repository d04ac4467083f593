"""The real main job on bad input: one `error:` line per problem, exit 1, no traceback, nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from taskdef.input.settings import ROOT

from .conftest import FIXTURES, default_task_definition, main_environment, mutate, run_main
from .test_output import leftovers, snapshot


@pytest.fixture
def outdir(tmp_path) -> Path:
    """An output directory from an earlier synth that a failed run must not touch."""
    out = tmp_path / "cdktf.out"
    (out / "stacks" / "ig-notification-prod" / ".terraform").mkdir(parents=True)
    (out / "stacks" / "ig-notification-prod" / "cdk.tf.json").write_text('{"old": true}', encoding="utf-8")
    return out


def run_bad(outdir: Path, path: Path, **env: str):
    before = snapshot(outdir)
    result = run_main(outdir, TASK_DEFINITION_FILE=str(path), **env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert snapshot(outdir) == before
    assert leftovers(outdir.parent, outdir.name) == [path.name]
    return result.stderr.splitlines()


def test_an_unknown_key_is_named_with_the_nearest_valid_one(outdir, tmp_path):
    data = default_task_definition()
    data["containerDefinition"] = data.pop("containerDefinitions")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    assert run_bad(outdir, path) == [
        f"error: {path}: containerDefinitions: is required",
        f"error: {path}: containerDefinition: unknown field; did you mean 'containerDefinitions'?",
        "2 problem(s); nothing was written.",
    ]


def test_every_problem_in_one_run_one_line_each(outdir, tmp_path):
    data = default_task_definition()
    data["containerDefinitions"][0]["essential"] = "yes"
    data["containerDefinitions"][0]["memory"] = "512"
    data["networkMode"] = "awsvcp"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    lines = run_bad(outdir, path)
    assert lines == [
        f'error: {path}: containerDefinitions[0].essential: must be true or false, got "yes"',
        f'error: {path}: containerDefinitions[0].memory: must be an integer, got "512"',
        f"error: {path}: networkMode: must be one of bridge, host, awsvpc, none, got \"awsvcp\"; did you mean 'awsvpc'?",
        "3 problem(s); nothing was written.",
    ]


def test_type_unit_and_rule_problems_all_in_one_run(outdir, tmp_path):
    data = mutate(default_task_definition(), "containerDefinitions[0].essential", "yes")
    data.update(networkMode="bridge", memory="3 GiB", taskRoleArn="arn:aws:iam::111122223333:role/ecsTaskRole")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert run_bad(outdir, path) == [
        f'error: {path}: containerDefinitions[0].essential: must be true or false, got "yes"',
        f'error: {path}: memory: must be a whole number of units such as "512" or "2 GB", got "3 GiB"',
        f"error: {path}: networkMode: must be awsvpc for FARGATE, got bridge",
        f"error: {path}: taskRoleArn: must belong to the configured account 575084400422, got account 111122223333",
        "4 problem(s); nothing was written.",
    ]


def test_rule_problems_and_warnings_together(outdir, tmp_path):
    data = mutate(default_task_definition(), "containerDefinitions[0].image", "nginx:latest")
    data = mutate(data, "memory", "512")
    data = mutate(data, "taskRoleArn", "arn:aws:iam::111122223333:role/ecsTaskRole")
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    lines = run_bad(outdir, path)
    assert lines[-1] == "2 problem(s); nothing was written."
    errors = [line for line in lines if line.startswith("error: ")]
    assert [line.split(": ")[2] for line in errors] == ["memory", "taskRoleArn"]
    assert all(line.startswith(f"error: {path}: ") for line in errors)
    assert len(lines) == len(errors) + 1  # a file with errors yields no plan, so no warnings either


def test_describe_output_problems_name_the_path_in_the_file(outdir, tmp_path):
    wrapped = json.loads((FIXTURES / "valid" / "describe-output.json").read_text(encoding="utf-8"))
    wrapped["taskDefinition"]["networkMode"] = "bridge"
    path = tmp_path / "described.json"
    path.write_text(json.dumps(wrapped), encoding="utf-8")
    lines = run_bad(outdir, path)
    assert lines == [
        f"error: {path}: taskDefinition.networkMode: must be awsvpc for FARGATE, got bridge",
        "1 problem(s); nothing was written.",
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"family": "x",', "is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 16"),
        ("[1, 2]", "must be a JSON object holding the RegisterTaskDefinition input"),
        (b"\xff\xfe{}", "is not UTF-8 text: invalid start byte at byte 0"),
    ],
)
def test_unreadable_documents(outdir, tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    assert run_bad(outdir, path) == [f"error: {path}: {message}", "1 problem(s); nothing was written."]


def test_a_missing_file(outdir, tmp_path):
    path = tmp_path / "missing.json"
    before = snapshot(outdir)
    result = run_main(outdir, TASK_DEFINITION_FILE=str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"error: {path}: cannot be read: No such file or directory",
        "1 problem(s); nothing was written.",
    ]
    assert snapshot(outdir) == before


def test_an_unknown_environment(outdir):
    before = snapshot(outdir)
    result = run_main(outdir, IG_ENV="staging")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith("error: IG_ENV: no settings file environments/staging.json")
    assert snapshot(outdir) == before


def test_an_unwritable_output_directory_is_a_clean_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run_main(blocker / "cdktf.out")
    assert result.returncode == 1
    assert "error: CDKTF_OUTDIR: cannot write" in result.stderr
    assert "Traceback" not in result.stderr


def test_environment_problems_are_reported_together(outdir):
    before = snapshot(outdir)
    result = run_main(outdir, REPORT_LANGUAGE="fr", TF_CLOUD_ORGANIZATION="ignite")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith("error: environment: TF_WORKSPACE: must be set too") for line in lines), lines
    assert any(line.startswith("error: REPORT_LANGUAGE") and "'fr'" in line for line in lines), lines
    assert lines[-1] == "2 problem(s); nothing was written."
    assert snapshot(outdir) == before


def test_a_quota_the_stack_alone_exceeds_stops_the_synth(outdir, tmp_path):
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
        for i in range(1, 11)
    ]
    path = tmp_path / "eleven.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert run_bad(outdir, path) == [
        f"error: {path}: containerDefinitions: holds 11 containers; ECS allows at most 10 in one task definition; "
        f'registering it would fail with "Too many containers."',
        "1 problem(s); nothing was written.",
    ]


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_task_definition_file_that_is_no_regular_file_is_refused_at_once(outdir, tmp_path, kind):
    """A FIFO without a writer hung the open for ever; /dev/zero was read without end."""
    path = tmp_path / "td.json"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    before = snapshot(outdir)
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        env=main_environment(outdir, TASK_DEFINITION_FILE=str(path)),
        capture_output=True,
        text=True,
        timeout=60,  # a hang fails here instead of stalling the suite
        cwd=ROOT,
    )
    described = "a FIFO (named pipe)" if kind == "fifo" else "a device"
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"error: {path}: is {described}, not a regular file, so it is not read",
        "1 problem(s); nothing was written.",
    ]
    assert snapshot(outdir) == before


def test_an_unforeseen_exception_is_one_line_asking_for_a_report(monkeypatch, capsys):
    """The last line of defence: no traceback, a status no command gives, and the request to report it."""
    import main

    def broken(environ, argv):
        raise RuntimeError("something\nnobody foresaw")

    monkeypatch.setattr(main, "main", broken)
    assert main.guarded([], environ={"LANG": "C.UTF-8"}) == main.EXIT_INTERNAL == 70
    assert capsys.readouterr().err.splitlines() == [
        "error: unexpected RuntimeError: something\\nnobody foresaw. This is a bug in main.py, not a problem with "
        "your input: please report it as an issue of this repository, with the command you ran and this line "
        "(IG_TRACEBACK=1 shows the traceback)"
    ]
    assert main.guarded([], environ={"REPORT_LANGUAGE": "ko"}) == 70
    assert capsys.readouterr().err.startswith("오류: 예상하지 못한 예외입니다: RuntimeError: something")
    with pytest.raises(RuntimeError):
        main.guarded([], environ={"IG_TRACEBACK": "1"})


def test_the_guard_leaves_the_commands_own_statuses_and_argparse_alone(monkeypatch, capsys):
    import main

    monkeypatch.setattr(main, "main", lambda environ, argv: 2)
    assert main.guarded(["verify"], environ={}) == 2

    def interrupted(environ, argv):
        raise KeyboardInterrupt

    monkeypatch.setattr(main, "main", interrupted)
    assert main.guarded([], environ={}) == 130
    monkeypatch.undo()
    with pytest.raises(SystemExit) as info:
        main.guarded(["--no-such-option"], environ={})
    assert info.value.code == 2 and "Traceback" not in capsys.readouterr().err
