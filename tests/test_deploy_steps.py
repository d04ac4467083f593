"""What each `run:` step of .github/workflows/deploy.yml decides, run as GitHub runs it against a stand-in `aws`
(tests/deploy_steps.py), with the example environment of docs/deploy.md as the settings: the target and its refusals,
the tag resolved once to a digest, the revision replaced, the rollback when the service does not become stable (and
when it must not roll back), a rollback asked for, and the job summary."""

from __future__ import annotations

import copy

import pytest

from taskdef.output.deploy_summary import DeployRecord, render_summary

from .deploy_steps import ECS, REGISTRY, Runner, example_settings

FAMILY = "ig-notification-staging"
NEW, OLD = f"{ECS}:task-definition/{FAMILY}:42", f"{ECS}:task-definition/{FAMILY}:41"
DIGEST = "sha256:" + "c" * 64
TASK = f"{ECS}:task/ig-pilot/0123456789abcdef0123456789abcdef"


@pytest.fixture
def runner(tmp_path):
    other = copy.deepcopy(example_settings())
    other["environment"] = "preview"
    wait_off = copy.deepcopy(example_settings())
    wait_off["deployer"]["run"]["wait"] = False
    no_run = copy.deepcopy(example_settings())
    del no_run["deployer"]["run"]
    cluster_only = copy.deepcopy(example_settings())
    cluster_only["deployer"]["run"]["services"] = []
    cluster_only["deployer"]["github"]["environment"] = "cluster-only"
    return Runner(
        tmp_path,
        {
            "staging": example_settings(),
            "preview": other,
            "nowait": wait_off,
            "registers-only": no_run,
            "cluster-only": cluster_only,
        },
    )


def target(runner, *, image="", rollback_to="", service="", run_task="false", ig_env="staging"):
    return runner.run(
        "target",
        {"IMAGE": image, "ROLLBACK_TO": rollback_to, "SERVICE": service, "RUN_TASK": run_task},
        ig_env=ig_env,
    )


# --- the target -----------------------------------------------------------------------------------------------


def test_the_target_comes_from_the_settings(runner):
    run = target(runner, image=f"{REGISTRY}/ig-notification:1.5.0")
    assert run.returncode == 0, run.stderr + run.stdout
    assert run.outputs == {
        "mode": "deploy",
        "role-arn": "arn:aws:iam::575084400422:role/ig-notification-github-deploy",
        "region": "ap-northeast-2",
        "cluster": "ig-pilot",
        "service": "ig-notification-staging",
        "wait": "true",
        "stack-dir": "cdktf.out/stacks/ig-notification-staging",
    }
    assert run.calls == []  # before signing in: no AWS call
    rollback = target(runner, rollback_to="41")
    assert rollback.returncode == 0 and rollback.outputs["mode"] == "rollback"
    assert target(runner, rollback_to=f"{FAMILY}:41").outputs["mode"] == "rollback"
    # No image: a deploy of the stack's latest revision, when it is the file as it is (the reuse step decides).
    assert target(runner).outputs["mode"] == "deploy"


@pytest.mark.parametrize(
    "inputs, error",
    [
        (
            {"image": f"{REGISTRY}/ig-notification:1.5.0", "rollback_to": "41"},
            "::error::image and rollback-to: give one",
        ),
        ({"run_task": "true"}, "::error::run-task: runs a revision this deploy registers; with no image"),
        ({"ig_env": "cluster-only"}, "image: none given, so the deploy points a service at the stack's revision"),
        ({"rollback_to": "latest"}, "::error::rollback-to: is latest; give a revision number"),
        ({"rollback_to": "0"}, "::error::rollback-to: is 0"),
        ({"rollback_to": "41", "run_task": "true"}, "::error::run-task: runs a new revision"),
        ({"image": "x", "service": "ig-other"}, "deployer.run.services: does not name ig-other"),
        (
            {"image": "x", "ig_env": "preview"},
            "deployer.github.environment: is staging, but this job runs in the GitHub environment preview",
        ),
        ({"image": "x", "ig_env": "registers-only"}, "deployer.run: the settings grant no deploy"),
        ({"image": "x", "ig_env": "absent"}, "::error::IG_ENV: no settings file environments/absent.json"),
    ],
)
def test_the_target_refuses_before_signing_in(runner, inputs, error):
    run = target(runner, **inputs)
    assert run.returncode == 1 and error in run.stdout, run.stdout + run.stderr
    assert run.outputs == {} and run.calls == []


# --- the image, resolved once ---------------------------------------------------------------------------------


def resolve(runner, image, answers=None):
    return runner.run("image", {"IMAGE": image}, answers)


def test_a_tag_is_resolved_once_to_the_digest_that_is_deployed(runner):
    run = resolve(runner, f"{REGISTRY}/ig-notification:1.5.0", {"ecr describe-images": [(DIGEST, 0)]})
    assert run.returncode == 0, run.stderr
    assert run.outputs == {"image": f"{REGISTRY}/ig-notification@{DIGEST}"}
    (call,) = run.calls
    assert call == [
        "ecr",
        "describe-images",
        "--region",
        "ap-northeast-2",
        "--registry-id",
        "575084400422",
        "--repository-name",
        "ig-notification",
        "--image-ids",
        "imageTag=1.5.0",
        "--query",
        "imageDetails[0].imageDigest",
        "--output",
        "text",
    ]
    # The render step renders this output, never the input.
    from .deploy_steps import step

    assert step("render")["env"] == {"IMAGE": "${{ steps.image.outputs.image }}"}


# --- the render -------------------------------------------------------------------------------------------------


def test_the_deploy_registers_what_main_py_render_prints(runner):
    """The step writes render's output, byte for byte, where the deploy action reads it; no AWS call."""
    import json

    from taskdef.account.render import render_deploy
    from taskdef.input.environments import load_settings
    from taskdef.model.pipeline import load_plan
    from taskdef.model.provenance import read_provenance

    image = f"{REGISTRY}/ig-notification@{DIGEST}"
    run = runner.run("render", {"IMAGE": image}, ig_env="prod")
    assert run.returncode == 0, run.stderr
    assert run.calls == []
    rendered = runner.work / run.outputs["task-definition"]
    text = rendered.read_text(encoding="utf-8")
    assert text == render_deploy(load_plan(load_settings("prod", environ={})), image)
    data = json.loads(text)
    assert data["containerDefinitions"][0]["image"] == image
    assert read_provenance(data).writer == "deploy"


def test_a_refused_image_stops_before_anything_is_registered(runner):
    run = runner.run("render", {"IMAGE": f"{REGISTRY}/ig-notification:latest"}, ig_env="prod")
    assert run.returncode == 1
    assert run.outputs == {}
    assert "error: render: " in run.stderr


@pytest.mark.parametrize("reference", [f"@{DIGEST}", f":1.5.0@{DIGEST}"])
def test_a_digest_is_deployed_as_it_is_without_a_call(runner, reference):
    run = resolve(runner, f"{REGISTRY}/ig-notification{reference}")
    assert run.returncode == 0 and run.calls == []
    assert run.outputs == {"image": f"{REGISTRY}/ig-notification@{DIGEST}"}


def test_a_tag_that_names_no_image_stops_the_job(runner):
    run = resolve(runner, f"{REGISTRY}/ig-notification:9.9.9", {"ecr describe-images": [("None", 0)]})
    assert run.returncode == 1 and "::error::image: the tag 9.9.9 of ig-notification names no image" in run.stdout
    assert run.outputs == {}


# --- the revision replaced ------------------------------------------------------------------------------------


def test_the_revision_the_service_runs_is_read_before_the_deploy(runner):
    env = {"CLUSTER": "ig-pilot", "SERVICE": FAMILY}
    run = runner.run("before", env, {"ecs describe-services": [(OLD, 0)]})
    assert run.returncode == 0 and run.outputs == {"revision": OLD}
    assert run.calls == [
        [
            "ecs",
            "describe-services",
            "--cluster",
            "ig-pilot",
            "--services",
            FAMILY,
            "--query",
            "services[0].taskDefinition",
            "--output",
            "text",
        ]
    ]
    missing = runner.run("before", env, {"ecs describe-services": [("None", 0)]})
    assert missing.returncode == 1 and f"{FAMILY} does not exist on cluster ig-pilot" in missing.stdout


# --- the rollback when the service does not become stable -----------------------------------------------------


def rollback(runner, *, registered=NEW, replaced=OLD, wait="true", answers):
    env = {
        "CLUSTER": "ig-pilot",
        "SERVICE": FAMILY,
        "WAIT": wait,
        "FAMILY": FAMILY,
        "REGISTERED": registered,
        "REPLACED": replaced,
    }
    return runner.run("rollback", env, answers)


def test_a_service_left_on_the_new_revision_is_pointed_back_and_waited_for(runner):
    run = rollback(
        runner,
        answers={
            "ecs describe-services": [(NEW, 0)],
            "ecs update-service": [(OLD, 0)],
            "ecs wait services-stable": [("", 0)],
        },
    )
    assert run.returncode == 0, run.stderr
    assert run.outputs == {"runs": OLD, "result": "rolled-back", "stable": "true"}
    (update,) = run.called("ecs", "update-service")
    assert update[2:8] == ["--cluster", "ig-pilot", "--service", FAMILY, "--task-definition", OLD]
    assert run.called("ecs", "wait") == [
        ["ecs", "wait", "services-stable", "--cluster", "ig-pilot", "--services", FAMILY]
    ]
    assert f"::warning::rollback: {FAMILY} did not become stable on {NEW}; pointed it back at {OLD}" in run.stdout


def test_a_rollback_that_does_not_become_stable_either_fails_the_step(runner):
    run = rollback(
        runner,
        answers={
            "ecs describe-services": [(NEW, 0)],
            "ecs update-service": [(OLD, 0)],
            "ecs wait services-stable": [("", 255)],
        },
    )
    assert run.returncode == 1 and run.outputs["result"] == "rolled-back" and run.outputs["stable"] == "false"


def test_without_wait_the_rollback_is_not_waited_for(runner):
    run = rollback(
        runner, wait="false", answers={"ecs describe-services": [(NEW, 0)], "ecs update-service": [(OLD, 0)]}
    )
    assert run.returncode == 0 and run.outputs == {"runs": OLD, "result": "rolled-back"}
    assert run.called("ecs", "wait") == []


@pytest.mark.parametrize(
    "registered, runs",
    [
        (NEW, OLD),  # the deploy stopped before UpdateService (a failed one-off task), or ECS rolled it back
        ("", OLD),  # nothing was registered
    ],
)
def test_nothing_is_rolled_back_when_the_service_does_not_run_the_new_revision(runner, registered, runs):
    run = rollback(runner, registered=registered, answers={"ecs describe-services": [(runs, 0)]})
    assert run.returncode == 0 and run.outputs == {"runs": runs, "result": "not-needed"}
    assert run.called("ecs", "update-service") == []


def test_a_replaced_revision_of_another_family_is_not_rolled_back_to(runner):
    legacy = f"{ECS}:task-definition/legacy:9"
    run = rollback(runner, replaced=legacy, answers={"ecs describe-services": [(NEW, 0)]})
    assert run.returncode == 0 and run.outputs == {"runs": NEW, "result": "refused"}
    assert run.called("ecs", "update-service") == []
    assert f"::error::rollback: {legacy} is not a revision of {FAMILY}" in run.stdout
    # A family whose name only starts like this one's is another family too.
    sibling = f"{ECS}:task-definition/{FAMILY}-old:3"
    assert rollback(runner, replaced=sibling, answers={"ecs describe-services": [(NEW, 0)]}).outputs["result"] == (
        "refused"
    )


# --- a rollback asked for -------------------------------------------------------------------------------------


def back(runner, rollback_to, answers=None, wait="true"):
    env = {"CLUSTER": "ig-pilot", "SERVICE": FAMILY, "WAIT": wait, "FAMILY": FAMILY, "ROLLBACK_TO": rollback_to}
    return runner.run("back", env, answers)


@pytest.mark.parametrize("rollback_to", ["41", f"{FAMILY}:41"])
def test_a_revision_asked_for_is_checked_and_deployed(runner, rollback_to):
    run = back(
        runner,
        rollback_to,
        {
            "ecs describe-task-definition": [(OLD, 0)],
            "ecs update-service": [(OLD, 0)],
            "ecs wait services-stable": [("", 0)],
        },
    )
    assert run.returncode == 0, run.stderr
    assert run.outputs == {"target": OLD, "stable": "true"}
    (describe,) = run.called("ecs", "describe-task-definition")
    assert describe[2:4] == ["--task-definition", f"{FAMILY}:41"]
    (update,) = run.called("ecs", "update-service")
    assert update[2:8] == ["--cluster", "ig-pilot", "--service", FAMILY, "--task-definition", OLD]


def test_a_revision_of_another_family_is_refused_without_a_call(runner):
    run = back(runner, "legacy:9")
    assert run.returncode == 1 and f"rollback-to: legacy:9 is not a revision of {FAMILY}" in run.stdout
    assert run.calls == []


def test_a_revision_that_does_not_exist_stops_before_the_service_changes(runner):
    run = back(runner, "99", {"ecs describe-task-definition": [("", 254)]})
    assert run.returncode != 0 and run.called("ecs", "update-service") == []


# --- the job summary ------------------------------------------------------------------------------------------


SUMMARY_ENV = {
    "MODE": "deploy",
    "CLUSTER": "ig-pilot",
    "SERVICE": FAMILY,
    "WAIT": "true",
    "IMAGE": f"{REGISTRY}/ig-notification@{DIGEST}",
    "REGISTERED": NEW,
    "REPLACED": OLD,
    "DEPLOYED": "failure",
    "ROLLBACK": "rolled-back",
    "ROLLBACK_STABLE": "true",
    "RUNS": OLD,
    "BACK": "skipped",
    "BACK_TARGET": "",
    "BACK_STABLE": "",
    "TASK_ARNS": f'["{TASK}"]',
    "DIFF": "",
    "REUSED": "false",
}


def test_the_summary_records_a_deploy_its_rollback_and_the_tasks_exit_code(runner):
    run = runner.run("Job summary", SUMMARY_ENV, {"ecs describe-tasks": [("ig-notification\t0\nlog-router\tNone", 0)]})
    assert run.returncode == 0, run.stderr
    (describe,) = run.called("ecs", "describe-tasks")
    assert describe[2:6] == ["--cluster", "ig-pilot", "--tasks", TASK]
    expected = DeployRecord(
        environment="staging",
        cluster="ig-pilot",
        service=FAMILY,
        image=f"{REGISTRY}/ig-notification@{DIGEST}",
        registered=NEW,
        replaced=OLD,
        outcome="failure",
        rollback="rolled-back",
        rolled_back_to=OLD,
        rollback_stable="true",
        runs=OLD,
        task=TASK,
        exit_codes="ig-notification=0",
    )
    assert run.summary == render_summary(expected, "en")


def test_the_summary_of_a_job_that_stopped_before_deploying(runner):
    env = dict(SUMMARY_ENV, IMAGE="", REGISTERED="", DEPLOYED="skipped", ROLLBACK="", ROLLBACK_STABLE="", RUNS="")
    env["TASK_ARNS"] = ""
    run = runner.run("Job summary", env)
    assert run.returncode == 0 and run.calls == []
    assert "| Stable | not deployed: nothing was registered (see the step that failed) |" in run.summary


def test_the_summary_of_a_rollback_asked_for(runner):
    env = dict(SUMMARY_ENV, MODE="rollback", IMAGE="", REGISTERED="", DEPLOYED="skipped", ROLLBACK="")
    env.update(ROLLBACK_STABLE="", RUNS="", BACK="success", BACK_TARGET=OLD, BACK_STABLE="true", TASK_ARNS="")
    env["REPLACED"] = NEW
    run = runner.run("Job summary", env)
    assert run.returncode == 0, run.stderr
    assert run.summary.startswith("## Rolled back staging\n")
    assert f"| Rollback | pointed the service at `{FAMILY}:41` (`{OLD}`), as asked; it is stable again |" in run.summary
    assert f"| Revision replaced | `{FAMILY}:42` (`{NEW}`) |" in run.summary


def test_without_wait_the_summary_reads_no_exit_code(runner):
    env = dict(SUMMARY_ENV, WAIT="false", DEPLOYED="success", ROLLBACK="", ROLLBACK_STABLE="", RUNS="")
    run = runner.run("Job summary", env)
    assert run.returncode == 0 and run.calls == []  # DescribeTasks is granted only with wait
    assert "not waited for (settings deployer.run.wait is false), so no exit code" in run.summary


# --- the diff before registering ----------------------------------------------------------------------------------


def diff_step(runner, status: int, *, drop: str = "false"):
    """The step, with main.py diff answering ``status`` (0 clean, 1 outside, 2 unread) and a report line."""
    (runner.work / "bin" / "pipenv").write_text(
        f"#!/bin/sh\necho '@@ environment[name=LOG_LEVEL] @@ outside'\nexit {status}\n", encoding="utf-8"
    )
    return runner.run("diff", {"DROP_OUTSIDE": drop})


def test_a_clean_diff_goes_on_and_keeps_its_report(runner):
    run = diff_step(runner, 0)
    assert run.returncode == 0 and run.calls == []
    assert "@@ environment[name=LOG_LEVEL] @@ outside" in run.stdout  # in the log
    report = runner.work / run.outputs["report"]
    assert "LOG_LEVEL" in report.read_text(encoding="utf-8")


def test_a_change_made_outside_stops_the_job_before_anything_is_registered(runner):
    run = diff_step(runner, 1)
    assert run.returncode == 1
    assert "::error::diff: a service runs a change made outside the stack and the deploy" in run.stdout


def test_drop_outside_changes_goes_on_with_a_warning(runner):
    run = diff_step(runner, 1, drop="true")
    assert run.returncode == 0
    assert "::warning::diff:" in run.stdout and "drops it" in run.stdout


@pytest.mark.parametrize("drop", ["false", "true"])
def test_an_account_diff_could_not_read_stops_the_job(runner, drop):
    run = diff_step(runner, 2, drop=drop)
    assert run.returncode == 1 and "::error::diff: could not read" in run.stdout


def test_the_summary_includes_the_diff_the_deploy_ran(runner):
    report = runner.work / "diff.txt"
    report.write_text("@@ containerDefinitions[name=ig-notification].image @@ deploy: a field the deploy owns\n")
    env = dict(SUMMARY_ENV, DEPLOYED="success", ROLLBACK="", ROLLBACK_STABLE="", RUNS="", TASK_ARNS="")
    run = runner.run("Job summary", dict(env, DIFF=str(report)))
    assert run.returncode == 0, run.stderr
    assert "### What the services ran before this deploy, against the file (main.py diff)" in run.summary
    assert "```diff\n@@ containerDefinitions[name=ig-notification].image @@ deploy" in run.summary
    assert "main.py diff" not in runner.run("Job summary", env).summary  # no diff ran: no section


# --- no new image: the stack's revision, pointed at without registering ------------------------------------------


def reuse_step(runner, status: int, *, image: str = ""):
    """The step, with main.py diff --reusable answering ``status`` (0 the ARN, 1 not reusable, 2 unread)."""
    (runner.work / "bin" / "pipenv").write_text(
        f"#!/bin/sh\necho \"$*\" > args\n[ {status} = 0 ] && echo {OLD}\necho 'why' >&2\nexit {status}\n",
        encoding="utf-8",
    )
    return runner.run("reuse", {"IMAGE": image})


def test_the_stack_s_revision_is_reused_when_the_deploy_would_register_it_again(runner):
    run = reuse_step(runner, 0)
    assert run.returncode == 0 and run.outputs == {"revision": OLD} and run.calls == []
    assert (runner.work / "args").read_text().split() == ["run", "python", "main.py", "diff", "--reusable", "--image"]


def test_a_new_image_goes_on_to_register(runner):
    run = reuse_step(runner, 1, image=f"{REGISTRY}/ig-notification@{DIGEST}")
    assert run.returncode == 0 and run.outputs == {}


def test_no_image_and_no_revision_to_reuse_stops_the_job(runner):
    run = reuse_step(runner, 1)
    assert run.returncode == 1 and "::error::image: none given, and the stack's latest revision is not" in run.stdout


@pytest.mark.parametrize("image", ["", f"{REGISTRY}/ig-notification@{DIGEST}"])
def test_revisions_that_cannot_be_read_stop_the_job(runner, image):
    run = reuse_step(runner, 2, image=image)
    assert run.returncode == 1 and "::error::diff: could not read the stack's revisions" in run.stdout


def point(runner, answers, wait="true"):
    return runner.run("point", {"CLUSTER": "ig-pilot", "SERVICE": FAMILY, "WAIT": wait, "REVISION": OLD}, answers)


def test_the_service_is_pointed_at_the_stack_s_revision_and_waited_for(runner):
    run = point(runner, {"ecs update-service": [(OLD, 0)], "ecs wait services-stable": [("", 0)]})
    assert run.returncode == 0, run.stderr
    (update,) = run.called("ecs", "update-service")
    assert update[2:8] == ["--cluster", "ig-pilot", "--service", FAMILY, "--task-definition", OLD]
    assert len(run.called("ecs", "wait")) == 1
    unstable = point(runner, {"ecs update-service": [(OLD, 0)], "ecs wait services-stable": [("", 255)]})
    assert unstable.returncode != 0  # the rollback step then points it back
    assert point(runner, {"ecs update-service": [(OLD, 0)]}, wait="false").called("ecs", "wait") == []


def test_the_summary_names_the_revision_deployed_without_registering(runner):
    env = dict(SUMMARY_ENV, DEPLOYED="success", ROLLBACK="", ROLLBACK_STABLE="", RUNS="", TASK_ARNS="", REUSED="true")
    run = runner.run("Job summary", env)
    assert run.returncode == 0, run.stderr
    assert f"| Revision deployed (the stack's latest; nothing registered) | `{FAMILY}:42` (`{NEW}`) |" in run.summary
    assert "Revision registered" not in run.summary
