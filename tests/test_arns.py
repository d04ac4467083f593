"""taskdef.arns: every valueFrom form ECS accepts, reduced to the ARN a grant must name."""

from __future__ import annotations

import json

import pytest

from taskdef.input import arns
from taskdef.model.plan import TASK_EXECUTION_ROLE

from .conftest import FIXTURES, plan_for

ACCOUNT, REGION = "575084400422", "ap-northeast-2"
KW = {"account_id": ACCOUNT, "region": REGION, "partition": "aws"}
SM = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"
SSM = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/"


S = "secretsmanager"


@pytest.mark.parametrize(
    "value, grants",
    [
        # a name ending like a suffix gets the exact ARN, and the pattern in case it was partial
        (SM + "prod/db-AbC123", [(S, SM + "prod/db-AbC123"), (S, SM + "prod/db-AbC123-??????")]),
        (SM + "prod/db-AbC123:password:AWSCURRENT:", [(S, SM + "prod/db-AbC123"), (S, SM + "prod/db-AbC123-??????")]),
        (SM + "prod/db-AbC123:password::", [(S, SM + "prod/db-AbC123"), (S, SM + "prod/db-AbC123-??????")]),
        (SM + "prod/db", [(S, SM + "prod/db-??????")]),
        (SM + "prod/db:password::", [(S, SM + "prod/db-??????")]),
        (
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:shared-AbC123",
            [
                (S, "arn:aws:secretsmanager:us-east-1:111122223333:secret:shared-AbC123"),
                (S, "arn:aws:secretsmanager:us-east-1:111122223333:secret:shared-AbC123-??????"),
            ],
        ),
        (SSM + "ig/db-url", [("ssm", SSM + "ig/db-url")]),
        ("/ig/db-url", [("ssm", SSM + "ig/db-url")]),
        ("ig/db-url", [("ssm", SSM + "ig/db-url")]),
        ("ig.db_url", [("ssm", SSM + "ig.db_url")]),
        # Parameter Store reference to a Secrets Manager secret: ECS reads both
        (
            "/aws/reference/secretsmanager/prod/db",
            [("ssm", SSM + "aws/reference/secretsmanager/prod/db"), (S, SM + "prod/db-??????")],
        ),
    ],
)
def test_secret_references_reduce_to_the_grants(value, grants):
    ref = arns.parse_secret_reference(value, **KW)
    assert (list(ref.grants), ref.value_from) == (grants, value)


@pytest.mark.parametrize("value", [SM + "prod/db-secret", SM + "prod/db-config:password::"])
def test_a_name_that_may_be_partial_gets_both_grants(value):
    base = value.split(":password")[0]
    ref = arns.parse_secret_reference(value, **KW)
    assert ref.resource_arns == (base, base + "-??????")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "/",
        "a//b",
        "ig db",
        "arn:aws:kms:ap-northeast-2:575084400422:key/abc",
        SM,
        SM + ":json::",
        SSM.rstrip("/"),
        SSM + "ig/db\n",
        "/ig/db\n",
    ],
)
def test_secret_references_that_ecs_would_reject(value):
    with pytest.raises(ValueError, match="must"):
        arns.parse_secret_reference(value, **KW)


def test_repository_credentials_take_only_secrets_manager():
    with pytest.raises(ValueError, match="must be a Secrets Manager secret ARN"):
        arns.parse_secret_reference("/registry/creds", secrets_manager_only=True, **KW)
    assert (
        arns.parse_secret_reference(SM + "registry-AbC123", secrets_manager_only=True, **KW).service == "secretsmanager"
    )


def test_role_arns():
    role = arns.parse_role_arn(f"arn:aws:iam::{ACCOUNT}:role/service-role/ecsTaskRole")
    assert (role.partition, role.account_id, role.path, role.name) == ("aws", ACCOUNT, "/service-role/", "ecsTaskRole")
    assert arns.parse_role_arn(f"arn:aws:iam::{ACCOUNT}:role/ecsTaskRole").path == "/"


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{ACCOUNT}:role/ecsTaskRole\n",  # "$" would have matched before the newline
        "arn:aws:iam::\u066575084400422:role/x",  # an Arabic-Indic digit, which \\d matches without re.ASCII
        f"arn:aws:iam::{ACCOUNT}:user/ecsTaskRole",
        f"arn:aws:iam::{ACCOUNT}:role/" + "r" * 65,
        "ecsTaskRole",
    ],
)
def test_malformed_role_arns(arn):
    with pytest.raises(ValueError, match="must be an IAM role ARN"):
        arns.parse_role_arn(arn)


def test_ecr_images():
    img = arns.parse_ecr_image(f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/team/ig-notification:1.4.2")
    assert img.repository_arn == f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/team/ig-notification"
    assert img.tag == "1.4.2"
    digest = "sha256:" + "a" * 64
    assert arns.parse_ecr_image(f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/ig@{digest}").digest == digest
    assert arns.parse_ecr_image("public.ecr.aws/docker/library/nginx:1.27.0") is None
    assert arns.parse_ecr_image(f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/ig:1\n") is None


@pytest.mark.parametrize(
    "image, mutable",
    [
        ("nginx", True),
        ("nginx:latest", True),
        ("host:5000/nginx", True),
        ("host:5000/nginx:1.27", False),
        ("nginx:1.27", False),
        ("nginx@sha256:" + "0" * 64, False),
        ("nginx:latest@sha256:" + "0" * 64, False),
    ],
)
def test_image_is_mutable(image, mutable):
    assert arns.image_is_mutable(image) is mutable


def test_s3_environment_files():
    assert arns.s3_object_and_bucket("arn:aws:s3:::ig-config/prod/app.env") == (
        "arn:aws:s3:::ig-config/prod/app.env",
        "arn:aws:s3:::ig-config",
    )
    for bad in ("s3://ig-config/app.env", "arn:aws:s3:::ig-config", "arn:aws:s3:::ig-config/a.env\n"):
        with pytest.raises(ValueError, match="must be an S3 object ARN"):
            arns.s3_object_and_bucket(bad)


# --- the grants in the plan built from the valid fixtures ----------------------------------------------


def startup_grants(fixture: str, sid: str) -> list[str]:
    plan = plan_for(json.loads((FIXTURES / "valid" / fixture).read_text(encoding="utf-8")))
    role = plan.role(TASK_EXECUTION_ROLE)
    [statement] = [s for s in role.statements if s.sid == sid]
    return [r.arn for r in statement.resources]


def test_plan_grants_for_secrets_manager_references():
    assert startup_grants("secretsmanager-secrets.json", "SecretsManagerReadStartupSecrets") == [
        SM + "prod/ignite-pilot/postgresInfo2-AbC123",  # full ARN, and the JSON-key form reduced to it
        SM + "prod/ignite-pilot/postgresInfo2-AbC123-??????",  # in case the "suffix" was part of the name
        SM + "prod/ig-notification/smtp-??????",  # partial ARN: any 6-character suffix
        SM + "registry/example-credentials-Qw3rTy",  # repositoryCredentials
        SM + "registry/example-credentials-Qw3rTy-??????",
    ]


def test_plan_grants_for_ssm_parameters():
    assert startup_grants("ssm-secrets.json", "SsmReadStartupParameters") == [
        SSM + "ig-notification/prod/db-url",  # "/ig-notification/prod/db-url"
        SSM + "ig-notification.smtp-password",  # bare name, no leading '/'
        SSM + "ig-notification/prod/api-token",  # parameter ARN, as is
    ]


@pytest.mark.parametrize(
    "image, partition",
    [
        ("575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/app:1", "aws"),
        ("123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/app:1", "aws-us-gov"),
        ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1", "aws-cn"),
    ],
)
def test_ecr_repository_arn_is_in_the_images_partition(image, partition):
    assert arns.parse_ecr_image(image).repository_arn.startswith(f"arn:{partition}:ecr:")
