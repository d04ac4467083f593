"""The deploy workflow's job summary (taskdef/output/deploy_summary.py, `main.py deploy-summary`): each outcome of
a run said as one Markdown table, in English and Korean, from the facts the workflow's steps pass."""

from __future__ import annotations

import dataclasses
import io
from unittest import mock

import pytest

import main
from taskdef.output.deploy_summary import DeployRecord, render_summary

from .test_i18n import HANGUL, english_runs

PREFIX = "arn:aws:ecs:ap-northeast-2:575084400422"
NEW, OLD = f"{PREFIX}:task-definition/ig-notification:42", f"{PREFIX}:task-definition/ig-notification:41"
IMAGE = "575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification@sha256:" + "a" * 64
TASK = f"{PREFIX}:task/ig-pilot/0123456789abcdef0123456789abcdef"
DEPLOYED = DeployRecord(
    environment="staging",
    cluster="ig-pilot",
    service="ig-notification",
    image=IMAGE,
    registered=NEW,
    replaced=OLD,
    outcome="success",
)


def rows(text: str) -> dict[str, str]:
    """The table's rows, name -> value."""
    out = {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| |"):
            name, value = line[2:-2].split(" | ", 1)
            out[name] = value
    return out


def test_a_deploy_that_went_stable():
    text = render_summary(DEPLOYED, "en")
    assert text.startswith("## Deployed to staging\n")
    assert rows(text) == {
        "Image (by digest)": f"`{IMAGE}`",
        "Revision registered": f"`ig-notification:42` (`{NEW}`)",
        "Revision replaced": f"`ig-notification:41` (`{OLD}`)",
        "Service": "`ig-notification` on cluster `ig-pilot`",
        "Stable": "yes",
        "One-off task": "not run",
    }


def test_a_deploy_that_did_not_go_stable_and_was_rolled_back():
    record = dataclasses.replace(
        DEPLOYED,
        outcome="failure",
        rollback="rolled-back",
        rolled_back_to=OLD,
        rollback_stable="true",
        task=TASK,
        exit_codes="ig-notification=0 log-router=0",
    )
    text = render_summary(record, "en")
    assert text.startswith("## Deploy to staging failed: the service did not become stable, so it was rolled back\n")
    table = rows(text)
    assert table["Stable"] == "no: the service did not become stable"
    assert table["Rollback"] == (
        f"pointed the service back at `ig-notification:41` (`{OLD}`), the revision it replaced; it is stable again"
    )
    assert table["One-off task"] == f"`{TASK}` exited: `ig-notification=0`, `log-router=0`"
    unstable = rows(render_summary(dataclasses.replace(record, rollback_stable="false"), "en"))["Rollback"]
    assert unstable.endswith("it is still not stable: read the service's events")


def test_a_rollback_the_deployer_may_not_make_is_said():
    record = dataclasses.replace(
        DEPLOYED, outcome="failure", rollback="refused", replaced=f"{PREFIX}:task-definition/legacy:9"
    )
    table = rows(render_summary(record, "en"))
    assert table["Rollback"].startswith(f"not rolled back: `legacy:9` (`{PREFIX}:task-definition/legacy:9`)")
    assert "point the service back by hand" in table["Rollback"]


@pytest.mark.parametrize(
    "changes, stable",
    [
        ({"outcome": "skipped", "registered": "", "image": ""}, "not deployed: nothing was registered"),
        ({"outcome": "failure", "registered": ""}, "not deployed: nothing was registered"),
        (
            {"outcome": "failure", "rollback": "not-needed", "runs": OLD},
            "not reached: the deploy stopped before the service ran the new revision; it runs `ig-notification:41`",
        ),
        ({"wait": False}, "not waited for (settings deployer.run.wait is false)"),
        ({"service": "", "replaced": ""}, "no service was deployed"),
    ],
)
def test_each_way_a_deploy_ends_has_its_stable_line(changes, stable):
    table = rows(render_summary(dataclasses.replace(DEPLOYED, **changes), "en"))
    assert table["Stable"].startswith(stable)
    assert "Rollback" not in table


def test_a_one_off_task_not_waited_for_has_no_exit_code():
    record = dataclasses.replace(DEPLOYED, task=TASK, wait=False)
    assert rows(render_summary(record, "en"))["One-off task"] == (
        f"`{TASK}`: not waited for (settings deployer.run.wait is false), so no exit code"
    )
    record = dataclasses.replace(DEPLOYED, task=TASK)
    assert "no exit code was read" in rows(render_summary(record, "en"))["One-off task"]


def test_a_rollback_asked_for():
    record = DeployRecord(
        environment="staging",
        cluster="ig-pilot",
        service="ig-notification",
        mode="rollback",
        replaced=NEW,
        outcome="success",
        rolled_back_to=OLD,
        rollback_stable="true",
    )
    text = render_summary(record, "en")
    assert text.startswith("## Rolled back staging\n")
    table = rows(text)
    assert table["Rollback"] == f"pointed the service at `ig-notification:41` (`{OLD}`), as asked; it is stable again"
    assert table["Revision registered"] == "none"
    failed = render_summary(dataclasses.replace(record, outcome="failure", rolled_back_to=""), "en")
    assert failed.startswith("## Rollback of staging failed\n")
    assert rows(failed)["Rollback"] == "the service was not changed"


ALL = [
    DEPLOYED,
    dataclasses.replace(DEPLOYED, outcome="failure", rollback="rolled-back", rolled_back_to=OLD, task=TASK),
    dataclasses.replace(DEPLOYED, outcome="failure", rollback="refused"),
    dataclasses.replace(DEPLOYED, outcome="failure", rollback="not-needed", runs=OLD, wait=False, task=TASK),
    dataclasses.replace(DEPLOYED, outcome="skipped", registered=""),
    dataclasses.replace(DEPLOYED, service="", task=TASK, exit_codes="a=1"),
    DeployRecord("staging", "ig-pilot", "ig-notification", mode="rollback", outcome="success", rolled_back_to=OLD),
    DeployRecord("staging", "ig-pilot", "ig-notification", mode="rollback", outcome="failure"),
]


@pytest.mark.parametrize("record", ALL)
def test_every_summary_is_korean_with_the_same_table(record):
    english, korean = render_summary(record, "en"), render_summary(record, "ko")
    assert len(rows(english)) == len(rows(korean)) >= 6
    for line in korean.splitlines():
        if line.strip("|-# "):
            assert english_runs(line) == [], line
    assert HANGUL.search(korean.splitlines()[0])
    # The identifiers stay as they are.
    for value in (record.image, record.registered, record.task):
        if value:
            assert value in korean


def test_main_prints_the_summary_from_the_workflows_arguments():
    out = io.StringIO()
    argv = [
        "deploy-summary",
        "--environment",
        "staging",
        "--cluster",
        "ig-pilot",
        "--service",
        "ig-notification",
        "--image",
        IMAGE,
        "--registered",
        NEW,
        "--replaced",
        OLD,
        "--outcome",
        "failure",
        "--wait",
        "true",
        "--rollback",
        "rolled-back",
        "--rolled-back-to",
        OLD,
        "--rollback-stable",
        "",
        "--runs",
        "",
        "--task",
        "",
        "--exit-codes",
        "",
    ]
    with mock.patch("sys.stdout", out):
        assert main.main({"REPORT_LANGUAGE": "en"}, argv) == 0
    expected = dataclasses.replace(DEPLOYED, outcome="failure", rollback="rolled-back", rolled_back_to=OLD)
    assert out.getvalue() == render_summary(expected, "en")
    with mock.patch("sys.stderr", io.StringIO()) as err, pytest.raises(SystemExit):
        main.main({}, ["deploy-summary", "--environment", "x", "--cluster", "c", "--outcome", "done"])
    assert "invalid choice: 'done'" in err.getvalue()


def test_the_diff_is_a_fenced_section_that_its_own_backticks_cannot_close():
    record = dataclasses.replace(DEPLOYED, diff='@@ command @@ outside\n+"echo ```"\n')
    text = render_summary(record, "en")
    assert "\n### What the services ran before this deploy, against the file (main.py diff)\n\n````diff\n" in text
    assert text.endswith("\n````\n")
    korean = render_summary(record, "ko")
    assert "### 이 배포 전에 서비스가 실행하던 리비전과 파일의 차이(`main.py diff`)" in korean
    assert "main.py diff" not in render_summary(DEPLOYED, "en")
