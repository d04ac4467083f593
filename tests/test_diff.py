"""taskdef/account/diff.py and diff_text.py: `main.py diff` against the emulator (moto).

The account is seeded as an apply and a deploy leave it: the stack's revision registered with its rendering and
its tags (provenance and default_tags), a cluster and a service on it; then the issue's three cases. (The apply
itself is not run here: the stack's registration is made with the same rendering and tags the synth writes,
which tests/test_provenance.py holds to the synthesized resource.)
"""

from __future__ import annotations

import copy
import io
import json

import pytest

from taskdef.account.diff import EXIT_CLEAN, EXIT_OUTSIDE, EXIT_UNREAD, attribute, deploy_owned
from taskdef.account.diff_text import command
from taskdef.account.render import deploy_definition
from taskdef.input.loader import READ_ONLY_FIELDS
from taskdef.model.provenance import stack_provenance
from taskdef.model.rendered import render_task_definition

from .conftest import default_task_definition, deployer_run_settings, plan_for
from .emulator import ACCESS_KEY, SECRET_KEY
from .test_verify import REGION

IMAGE = "575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification@sha256:" + "3b" * 32
VARIABLE = "containerDefinitions[name=ig-notification].environment[name=LOG_LEVEL].value"
IMAGE_PATH = "containerDefinitions[name=ig-notification].image"


@pytest.fixture
def plan():
    return plan_for(settings=deployer_run_settings())


def session():
    import boto3

    return boto3.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)


def register(ecs, definition: dict) -> str:
    return ecs.register_task_definition(**definition)["taskDefinition"]["taskDefinitionArn"]


def seed(moto, plan) -> str:  # noqa: F811
    """The stack's revision, as the apply registers it, and the service on it; the service's ARN."""
    moto.reset()
    ecs = moto.client("ecs")
    stack = json.loads(render_task_definition(plan))
    tags = {t["key"]: t["value"] for t in stack["tags"]}
    tags.update(plan.settings.default_tags, **stack_provenance(plan))
    stack["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
    arn = register(ecs, stack)
    ecs.create_cluster(clusterName="ig-pilot")
    ecs.create_service(cluster="ig-pilot", serviceName="ig-notification", taskDefinition=arn, desiredCount=0)
    return arn


def deploy(moto, plan) -> str:  # noqa: F811
    """A deploy of a new image: rendered by render, registered as it is, the service pointed at it."""
    ecs = moto.client("ecs")
    arn = register(ecs, deploy_definition(plan, IMAGE, commit="a" * 40, run="https://github.com/o/r/actions/runs/9"))
    ecs.update_service(cluster="ig-pilot", service="ig-notification", taskDefinition=arn)
    return arn


def diff(moto, plan, *, json_output=True, language="en"):  # noqa: F811
    import os
    from unittest import mock

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, {"AWS_ENDPOINT_URL": moto.url}):
        code = command(plan, json_output=json_output, language=language, session=session(), out=out, err=err)
    return code, (json.loads(out.getvalue()) if json_output and out.getvalue() else out.getvalue()), err.getvalue()


def owners(report) -> dict[str, str]:
    (service,) = report["services"]
    return {d["path"]: d["owner"] for d in service["differences"]}


def test_the_stack_s_revision_running_has_no_difference(moto, plan):  # noqa: F811
    seed(moto, plan)
    code, report, _ = diff(moto, plan)
    assert code == EXIT_CLEAN, report
    (service,) = report["services"]
    assert (service["service"], service["registered_by_writer"], service["differences"]) == (
        "ig-pilot/ig-notification",
        "stack",
        [],
    )
    assert report["stack_revision"] == 1


def test_a_deploy_of_a_new_image_differs_in_the_image_only_owned_by_the_deploy(moto, plan):  # noqa: F811
    seed(moto, plan)
    deploy(moto, plan)
    code, report, _ = diff(moto, plan)
    assert code == EXIT_CLEAN
    assert owners(report) == {IMAGE_PATH: "deploy"}
    (service,) = report["services"]
    assert (service["running_revision"], service["registered_by_writer"], service["commit"]) == (2, "deploy", "a" * 40)


def test_a_console_copy_with_its_tags_and_a_variable_is_outside(moto, plan):  # noqa: F811
    seed(moto, plan)
    running = deploy(moto, plan)
    ecs = moto.client("ecs")
    described = ecs.describe_task_definition(taskDefinition=running, include=["TAGS"])
    copied = {k: v for k, v in described["taskDefinition"].items() if k not in READ_ONLY_FIELDS}
    copied["containerDefinitions"][0]["environment"].append({"name": "LOG_LEVEL", "value": "debug"})
    copied["tags"] = described["tags"]  # "Create new revision" copies the tags
    ecs.update_service(cluster="ig-pilot", service="ig-notification", taskDefinition=register(ecs, copied))
    code, report, _ = diff(moto, plan)
    assert code == EXIT_OUTSIDE
    assert owners(report) == {IMAGE_PATH: "deploy", VARIABLE: "outside"}
    (service,) = report["services"]
    assert (service["registered_by_writer"], service["claimed_writer"]) == ("outside", "deploy")
    _, text, _ = diff(moto, plan, json_output=False)
    assert f"@@ {VARIABLE} @@ outside: only a revision registered outside holds it" in text
    assert '+"debug"' in text
    assert "carries the tags of a deploy revision, but its content no longer matches them" in text
    _, korean, _ = diff(moto, plan, json_output=False, language="ko")
    assert f"@@ {VARIABLE} @@ outside: 밖에서 등록한 리비전에만 있습니다" in korean


def test_a_file_that_adds_a_variable_with_the_service_on_the_deploy_s_revision_is_file(moto, plan):  # noqa: F811
    seed(moto, plan)
    deploy(moto, plan)
    data = default_task_definition()
    data["containerDefinitions"][0]["environment"].append({"name": "LOG_LEVEL", "value": "info"})
    changed = plan_for(data, deployer_run_settings())
    code, report, _ = diff(moto, changed)
    assert code == EXIT_CLEAN
    assert owners(report) == {IMAGE_PATH: "deploy", VARIABLE: "file"}
    (service,) = report["services"]
    (variable,) = [d for d in service["differences"] if d["path"] == VARIABLE]
    assert (variable["file"], variable["running"]) == ("info", None)


def test_without_deployer_run_the_family_s_latest_revision(moto):  # noqa: F811
    plan = plan_for()
    seed(moto, plan_for(settings=deployer_run_settings()))
    code, report, _ = diff(moto, plan)
    (service,) = report["services"]
    assert (code, service["service"], service["running_revision"]) == (EXIT_CLEAN, None, 1)


def test_a_service_that_is_not_there_cannot_be_read(moto, plan):  # noqa: F811
    seed(moto, plan)
    moto.client("ecs").delete_service(cluster="ig-pilot", service="ig-notification", force=True)
    code, report, _ = diff(moto, plan)
    (service,) = report["services"]
    assert code == EXIT_UNREAD
    assert service["error"] == "service ig-pilot/ig-notification does not exist or is not active"


def test_attribution_without_any_stack_revision_is_outside_unless_the_product_registered_it(plan):
    file = json.loads(render_task_definition(plan))
    running = copy.deepcopy(file)
    running["memory"] = "2048"
    found = attribute(file, running, None, (IMAGE_PATH,))
    assert [(d.path, d.owner) for d in found] == [("memory", "outside")]
    # the same value held by the stack's last revision: the file changed since
    assert [d.owner for d in attribute(file, running, copy.deepcopy(running), (IMAGE_PATH,))] == ["file"]


def test_diff_only_reads_and_every_read_is_granted_to_the_verifier_and_the_deployer(moto, plan):  # noqa: F811
    from taskdef.account.verifier_policy import verifier_policy
    from taskdef.model.plan import policy_document

    from .test_verify import READ_PREFIXES, _recorder, recorded_operations

    seed(moto, plan)
    deploy(moto, plan)
    _recorder(moto, "reset-recording")
    _recorder(moto, "start-recording")
    diff(moto, plan)
    _recorder(moto, "stop-recording")
    operations = set(recorded_operations(moto))
    assert operations == {"GetCallerIdentity", "DescribeServices", "DescribeTaskDefinition", "ListTaskDefinitions"}
    assert all(op.startswith(READ_PREFIXES) for op in operations)
    verifier = {a.split(":")[1] for s in verifier_policy(plan)["Statement"] for a in s["Action"]}
    assert verifier >= operations - {"GetCallerIdentity"}  # GetCallerIdentity needs no permission
    statements = {s["Sid"]: s for s in verifier_policy(plan)["Statement"]}
    assert statements["VerifyDescribeServices"]["Resource"] == [
        "arn:aws:ecs:ap-northeast-2:575084400422:service/ig-pilot/ig-notification"
    ]
    # The deploy workflow runs diff as the deployer: its policy holds these reads too.
    deployer = {a.split(":")[1] for s in policy_document(plan.deployer.statements)["Statement"] for a in s["Action"]}
    assert deployer >= operations - {"GetCallerIdentity"}  # GetCallerIdentity needs no permission
    # The request model that test_authz evaluates with the IAM engine, for both, names each read diff made.
    from taskdef.proof.request_model import DEPLOYER, VERIFIER
    from taskdef.proof.requests import build_requests, build_verifier_requests

    for model in (
        build_verifier_requests(plan.task_definition, plan.settings),
        build_requests(plan.task_definition, plan.settings),
    ):
        modeled = {r.action.split(":")[1] for r in model.required if r.role in (DEPLOYER, VERIFIER)}
        assert modeled >= operations - {"GetCallerIdentity"}


def test_main_diff_needs_one_environment(capsys):
    import main

    assert main.main({"IG_ENV": "all"}, ["diff", "--json"]) == EXIT_UNREAD
    assert "diff" in capsys.readouterr().err


def test_main_diff_reads_the_account_through_the_same_command(moto, plan, monkeypatch, capsys):  # noqa: F811
    import main

    seed(moto, plan)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    environ = {"IG_ENV": "prod", "REPORT_LANGUAGE": "ko"}
    assert main.diff(environ, json_output=False, session=session()) == EXIT_CLEAN
    assert "파일과 차이가 없습니다." in capsys.readouterr().out


# --- diff --reusable: the stack's revision, when a deploy would register nothing new ---------------------------


def reusable(moto, plan, image="", language="en"):  # noqa: F811
    import os
    from unittest import mock

    from taskdef.account.reuse import command as reuse_command

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, {"AWS_ENDPOINT_URL": moto.url}):
        code = reuse_command(plan, image=image, language=language, session=session(), out=out, err=err)
    return code, out.getvalue().strip(), err.getvalue().strip()


def test_no_new_image_reuses_the_stack_s_revision_when_it_is_what_the_deploy_would_register(moto, plan):  # noqa: F811
    arn = seed(moto, plan)
    deploy(moto, plan)  # a deploy since: the stack's revision is still the one to point at, not the latest
    held = plan.task_definition.containers[0]["image"]
    for image in ("", held):  # no image, or the one the stack's revision holds
        code, printed, why = reusable(moto, plan, image)
        assert (code, printed) == (0, arn), why
        assert (
            why
            == "ig-notification:1, the stack's latest revision, is what the deploy would register: the service is pointed at it, nothing is registered"
        )
    code, printed, why = reusable(moto, plan, language="ko")
    assert code == 0 and "아무것도 등록하지 않습니다" in why


def test_a_new_image_or_a_changed_file_registers_a_revision(moto, plan):  # noqa: F811
    seed(moto, plan)
    code, printed, why = reusable(moto, plan, IMAGE)
    assert (code, printed) == (1, "") and why.startswith(f"{IMAGE} is a new image (ig-notification:1 holds ")
    data = default_task_definition()
    data["containerDefinitions"][0]["environment"].append({"name": "LOG_LEVEL", "value": "info"})
    code, printed, why = reusable(moto, plan_for(data, deployer_run_settings()))
    assert (code, printed) == (1, "")
    assert (
        why
        == f"ig-notification:1, the stack's latest revision, differs from the file at {VARIABLE}: apply the stack first, or deploy an image"
    )


def test_without_a_revision_of_the_stack_s_nothing_is_reused(moto, plan):  # noqa: F811
    moto.reset()
    ecs = moto.client("ecs")
    register(ecs, json.loads(render_task_definition(plan)))  # registered by hand: no provenance
    code, printed, why = reusable(moto, plan)
    assert (code, printed) == (1, "")
    assert why == "no revision of ig-notification carries the stack's provenance: a deploy registers its own"


def test_main_diff_reusable_prints_the_arn_alone(moto, plan, monkeypatch, capsys):  # noqa: F811
    import main

    arn = seed(moto, plan)
    for key, value in (
        ("AWS_ENDPOINT_URL", moto.url),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
        ("AWS_DEFAULT_REGION", REGION),
    ):
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert main.main({"IG_ENV": "prod"}, ["diff", "--reusable"]) == 0
    assert capsys.readouterr().out == arn + "\n"
    assert main.main({"IG_ENV": "prod"}, ["diff", "--reusable", "--image", IMAGE]) == 1
    assert capsys.readouterr().out == ""


def test_settings_deployer_owns_makes_a_field_the_deploy_s(moto):  # noqa: F811
    """A console copy that sets a variable settings deployer.owns names (or a field under a path it names) is the
    deploy's, not outside: exit 0. Another variable in the same copy still is outside."""
    import dataclasses

    owned = "containerDefinitions[name=ig-notification].environment[name=FEATURE_FLAG]"
    settings = deployer_run_settings()
    settings = dataclasses.replace(settings, deployer=dataclasses.replace(settings.deployer, owns=(owned,)))
    plan = plan_for(settings=settings)
    assert deploy_owned(plan) == (IMAGE_PATH, owned)
    seed(moto, plan)
    ecs = moto.client("ecs")
    copied = json.loads(render_task_definition(plan))
    copied["containerDefinitions"][0]["environment"].append({"name": "FEATURE_FLAG", "value": "on"})
    ecs.update_service(cluster="ig-pilot", service="ig-notification", taskDefinition=register(ecs, copied))
    code, report, _ = diff(moto, plan)
    assert (code, owners(report)) == (EXIT_CLEAN, {f"{owned}.value": "deploy"})
    copied["containerDefinitions"][0]["environment"].append({"name": "LOG_LEVEL", "value": "debug"})
    ecs.update_service(cluster="ig-pilot", service="ig-notification", taskDefinition=register(ecs, copied))
    code, report, _ = diff(moto, plan)
    assert (code, owners(report)) == (EXIT_OUTSIDE, {f"{owned}.value": "deploy", VARIABLE: "outside"})
