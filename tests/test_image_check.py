"""`main.py verify --image URI` (taskdef/account/image_check.py): offline first, one line and exit 1 for an image
outside the execution role's ECR grant or a `latest` image, with no AWS call and no credentials; then, in the
account, the image exists, and for a tag, which digest it names and whether the repository's tags can move."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from unittest import mock

import pytest

import main
from taskdef.account.image_check import ImageRefused, check_offline, granted_repositories
from taskdef.account.verify import EXIT_MISSING
from taskdef.input.settings import ROOT
from taskdef.text.i18n import say

from .conftest import default_task_definition, plan_for
from .emulator import ACCESS_KEY, SECRET_KEY
from .test_i18n import HANGUL, english_runs
from .test_verify import (
    ACCOUNT,
    READ_PREFIXES,
    REGION,
    _recorder,
    recorded_operations,
    run_verify,
)

REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
DIGEST = "sha256:" + "a" * 64
GRANTED = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/ig-notification"


@pytest.fixture(scope="module")
def plan():
    return plan_for()


# --- offline --------------------------------------------------------------------------------------------------


def test_the_grant_is_the_plans_ecr_pull_statement(plan):
    assert granted_repositories(plan) == (GRANTED,)
    data = default_task_definition()
    data["containerDefinitions"][0]["image"] = "public.ecr.aws/docker/library/nginx:1.27.0"
    assert granted_repositories(plan_for(data)) == ()


@pytest.mark.parametrize(
    "uri",
    [
        f"{REGISTRY}/ig-notification:1.4.2",
        f"{REGISTRY}/ig-notification@{DIGEST}",
        f"{REGISTRY}/ig-notification:1.4.2@{DIGEST}",
        f"{REGISTRY}/ig-notification:latest@{DIGEST}",  # the digest decides what ECS pulls
    ],
)
def test_an_image_inside_the_grant_by_digest_or_fixed_tag_passes(plan, uri):
    deployed = check_offline(plan, uri)
    assert deployed.uri == uri and deployed.image.repository_arn == GRANTED


@pytest.mark.parametrize(
    "uri, expected",
    [
        (
            f"{REGISTRY}/ig-notification:latest",
            f"{REGISTRY}/ig-notification:latest names no fixed image: its tag is `latest` or missing",
        ),
        (f"{REGISTRY}/ig-notification", f"{REGISTRY}/ig-notification names no fixed image"),
        (
            f"111122223333.dkr.ecr.{REGION}.amazonaws.com/ig-notification:1.4.2",
            f"111122223333.dkr.ecr.{REGION}.amazonaws.com/ig-notification:1.4.2 is in "
            f"arn:aws:ecr:{REGION}:111122223333:repository/ig-notification, outside the execution role's ECR grant "
            f"({GRANTED}): ECS would fail to pull it when the task starts",
        ),
        (
            f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/ig-notification:1.4.2",
            f"is in arn:aws:ecr:us-east-1:{ACCOUNT}:repository/ig-notification, outside",
        ),
        (f"{REGISTRY}/ig-notification-other:1.4.2", "repository/ig-notification-other, outside"),
        (f"{REGISTRY}/team/ig-notification:1.4.2", "repository/team/ig-notification, outside"),
        (
            "nginx:1.27",
            f"nginx:1.27 is not an image in a private ECR repository; deploy an image of a repository the execution role may pull from: {GRANTED}",
        ),
    ],
)
def test_an_image_outside_the_grant_or_latest_is_refused_in_one_line(plan, uri, expected):
    with pytest.raises(ImageRefused) as refused:
        check_offline(plan, uri)
    text = refused.value.text
    assert expected in text and "\n" not in text
    korean = say(text, "ko")
    assert HANGUL.search(korean) and english_runs(korean) == [] and "\n" not in korean


def test_a_file_with_no_ecr_image_grants_no_repository_to_deploy_from():
    data = default_task_definition()
    data["containerDefinitions"][0]["image"] = "public.ecr.aws/docker/library/nginx:1.27.0"
    with pytest.raises(ImageRefused) as refused:
        check_offline(plan_for(data), f"{REGISTRY}/ig-notification:1.4.2")
    assert "may pull from no ECR repository of this stack" in refused.value.text


class NoAws:
    """A session that fails the test at any use: the offline checks come before any AWS call."""

    def __getattr__(self, name):
        raise AssertionError(f"verify --image made an AWS call ({name}) before its offline checks")


@pytest.mark.parametrize("language", ["en", "ko"])
def test_verify_refuses_offline_with_exit_1_and_one_line(language):
    err, out = io.StringIO(), io.StringIO()
    with mock.patch("sys.stderr", err), mock.patch("sys.stdout", out):
        code = main.verify(
            {"IG_ENV": "prod", "REPORT_LANGUAGE": language},
            json_output=False,
            session=NoAws(),
            image=f"{REGISTRY}/ig-notification:latest",
        )
    assert code == EXIT_MISSING == 1 and out.getvalue() == ""
    (line,) = err.getvalue().splitlines()
    prefix = {"en": "error: verify --image: ", "ko": "오류: verify --image: "}[language]
    assert line.startswith(prefix + f"{REGISTRY}/ig-notification:latest"), line


def test_the_command_refuses_without_credentials_or_network():
    """The real command, with no credentials anywhere and an endpoint nothing listens on: the same line, exit 1."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": "/nonexistent",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "IG_ENV": "prod",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    uri = f"111122223333.dkr.ecr.{REGION}.amazonaws.com/ig-notification:1.4.2"
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "verify", "--image", uri],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 1 and result.stdout == "", result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: verify --image: {uri} is in ") and "outside the execution role's ECR grant" in line


# --- in the account -------------------------------------------------------------------------------------------


def seed(moto, *, mutability="MUTABLE", tag="1.4.2"):  # noqa: F811
    """The write-up's account (tests/test_verify.py), with the repository's tag mutability as given."""
    from .test_verify import seed_write_up_account

    seed_write_up_account(moto, image_tag=tag)
    if mutability != "MUTABLE":
        moto.client("ecr").put_image_tag_mutability(repositoryName="ig-notification", imageTagMutability=mutability)
    (detail,) = moto.client("ecr").describe_images(repositoryName="ig-notification")["imageDetails"]
    return detail["imageDigest"]


def verify_image(moto, uri, *, json_output=True, session=None, language="en"):  # noqa: F811
    import boto3

    session = session or boto3.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    )
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, {"AWS_ENDPOINT_URL": moto.url}),
        mock.patch("sys.stdout", out),
        mock.patch("sys.stderr", err),
    ):
        code = main.verify(
            {"IG_ENV": "prod", "REPORT_LANGUAGE": language}, json_output=json_output, session=session, image=uri
        )
    return code, out.getvalue(), err.getvalue()


def image_row(result):
    (row,) = [r for r in result["resources"] if r["kind"] == "image"]
    return row


@pytest.mark.authz
def test_a_tag_is_resolved_and_its_mutability_reported(moto):  # noqa: F811
    digest = seed(moto)
    _recorder(moto, "reset-recording")
    _recorder(moto, "start-recording")
    code, out, err = verify_image(moto, f"{REGISTRY}/ig-notification:1.4.2")
    _recorder(moto, "stop-recording")
    result = json.loads(out)
    assert image_row(result) == {"kind": "image", "name": "ig-notification:1.4.2", "exists": True, "unverified": None}
    assert result["image"] == {
        "uri": f"{REGISTRY}/ig-notification:1.4.2",
        "repository": GRANTED,
        "tag": "1.4.2",
        "digest": digest,
        "exists": True,
        "tag_mutability": "MUTABLE",
    }
    # Everything else is verify as it is: the same findings, the same exit status, as without --image.
    plain_code, plain, _ = run_verify(moto)
    assert (code, result["missing"], result["checks"]) == (
        plain_code,
        json.loads(plain)["missing"],
        json.loads(plain)["checks"],
    )
    operations = recorded_operations(moto)
    assert {"DescribeImages", "DescribeRepositories"} <= set(operations)
    assert all(op.startswith(READ_PREFIXES) for op in operations), operations
    # verifier-policy.json grants both reads, on the granted repository.
    from taskdef.account.verifier_policy import verifier_policy

    (statement,) = [s for s in verifier_policy(plan_for())["Statement"] if s["Sid"] == "VerifyDescribeImages"]
    assert statement["Action"] == ["ecr:DescribeImages", "ecr:DescribeRepositories"]
    assert statement["Resource"] == [GRANTED]
    _, text, _ = verify_image(moto, f"{REGISTRY}/ig-notification:1.4.2", json_output=False)
    assert (
        f"image ig-notification:1.4.2: tag 1.4.2 names {digest} now; the tags of ig-notification are MUTABLE, "
        "so a push can move it: deploy the digest (the deploy workflow does)"
    ) in text
    _, korean, _ = verify_image(moto, f"{REGISTRY}/ig-notification:1.4.2", json_output=False, language="ko")
    line = next(x for x in korean.splitlines() if "ig-notification:1.4.2" in x and digest in x)
    assert HANGUL.search(line) and english_runs(line) == []


@pytest.mark.authz
def test_an_immutable_tag_and_a_digest_are_said_so(moto):  # noqa: F811
    digest = seed(moto, mutability="IMMUTABLE")
    _, text, _ = verify_image(moto, f"{REGISTRY}/ig-notification:1.4.2", json_output=False)
    assert f"tag 1.4.2 names {digest}; the tags of ig-notification are IMMUTABLE, so it always will" in text
    code, out, _ = verify_image(moto, f"{REGISTRY}/ig-notification@{digest}")
    assert image_row(json.loads(out))["exists"] is True
    assert json.loads(out)["image"]["tag_mutability"] is None
    _, text, _ = verify_image(moto, f"{REGISTRY}/ig-notification@{digest}", json_output=False)
    assert f"image ig-notification@{digest}: by digest: ECS pulls exactly this image" in text


@pytest.mark.authz
def test_an_image_that_is_not_there_is_missing(moto):  # noqa: F811
    seed(moto)
    code, out, _ = verify_image(moto, f"{REGISTRY}/ig-notification:9.9.9")
    result = json.loads(out)
    assert code == EXIT_MISSING
    assert image_row(result)["exists"] is False and result["image"]["exists"] is False
    _, text, _ = verify_image(moto, f"{REGISTRY}/ig-notification:9.9.9", json_output=False)
    assert "image ig-notification:9.9.9 does not exist: push the image to ECR" in text
    code, out, _ = verify_image(moto, f"{REGISTRY}/ig-notification@sha256:" + "b" * 64)
    assert code == EXIT_MISSING and image_row(json.loads(out))["exists"] is False


@pytest.mark.authz
def test_a_denied_mutability_read_only_leaves_it_unknown(moto):  # noqa: F811
    from types import SimpleNamespace

    import boto3

    digest = seed(moto)
    session = boto3.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    session.events.register(
        "before-call.ecr.DescribeRepositories",
        lambda **_: (
            SimpleNamespace(status_code=400, headers={}),
            {
                "Error": {"Code": "AccessDeniedException", "Message": "denied"},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            },
        ),
    )
    _, out, _ = verify_image(moto, f"{REGISTRY}/ig-notification:1.4.2", session=session)
    result = json.loads(out)
    assert image_row(result)["exists"] is True and image_row(result)["unverified"] is None
    assert result["image"]["tag_mutability"] is None and result["image"]["digest"] == digest
    _, text, _ = verify_image(moto, f"{REGISTRY}/ig-notification:1.4.2", json_output=False, session=session)
    assert "is unknown (verify lacks ecr:DescribeRepositories)" in text


@pytest.mark.authz
def test_the_other_containers_images_are_still_checked(moto):  # noqa: F811
    """The image replaces the first container's only; a second container's image is checked as the file names it."""
    seed(moto)
    data = default_task_definition()
    sidecar = dict(data["containerDefinitions"][0], name="sidecar", essential=False)
    sidecar["image"] = f"{REGISTRY}/ig-sidecar:2.0.0"
    sidecar.pop("portMappings", None)
    data["containerDefinitions"].append(sidecar)
    plan = plan_for(data)
    import boto3

    from taskdef.account.findings import run

    session = boto3.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    with mock.patch.dict(os.environ, {"AWS_ENDPOINT_URL": moto.url}):
        result = run(plan, session, check_offline(plan, f"{REGISTRY}/ig-notification:1.4.2")).as_json()
    images = {r["name"]: r["exists"] for r in result["resources"] if r["kind"] == "image"}
    assert images == {"ig-notification:1.4.2": True, "ig-sidecar:2.0.0": False}
