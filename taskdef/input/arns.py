"""ARN forms that ECS accepts, reduced to what an IAM policy must name."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from taskdef.text.i18n import t

if TYPE_CHECKING:
    from taskdef.input.loader import TaskDefinition

# All patterns are used with fullmatch and re.ASCII: "$" would accept a trailing
# newline, and \d or \w without ASCII would accept any script's digits and letters.
_ROLE = re.compile(r"arn:(aws[a-z-]*):iam::(\d{12}):role(/(?:[\w+=,.@-]+/)*)?([\w+=,.@-]{1,64})", re.ASCII)
_ECR = re.compile(
    r"(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
    r"([a-z0-9._/-]+?)(?::([\w.-]+))?(?:@(sha256:[a-f0-9]{64}))?",
    re.ASCII,
)
_SECRET_ARN = re.compile(r"arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)", re.ASCII | re.DOTALL)
_SECRET_NAME = re.compile(r"[\w/+=.@-]{1,512}", re.ASCII)
_PARAM_ARN = re.compile(r"arn:(aws[a-z-]*):ssm:([a-z0-9-]+):(\d{12}):parameter(/[\w.-]+(?:/[\w.-]+)*)", re.ASCII)
_PARAM_NAME = re.compile(r"/?[\w.-]+(?:/[\w.-]+)*", re.ASCII)
_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}\Z")


@dataclass(frozen=True)
class RoleArn:
    arn: str
    partition: str
    account_id: str
    path: str
    name: str


def parse_role_arn(arn: str) -> RoleArn:
    m = _ROLE.fullmatch(arn)
    if not m:
        raise ValueError(t("arns.role", got=repr(arn)))
    return RoleArn(arn=arn, partition=m.group(1), account_id=m.group(2), path=m.group(3) or "/", name=m.group(4))


@dataclass(frozen=True)
class EcrImage:
    account_id: str
    region: str
    partition: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def repository_arn(self) -> str:
        return f"arn:{self.partition}:ecr:{self.region}:{self.account_id}:repository/{self.repository}"


def partition_of(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


def parse_ecr_image(image: str) -> EcrImage | None:
    """The ECR repository an image is pulled from, or None for any other registry."""
    m = _ECR.fullmatch(image)
    if not m:
        return None
    return EcrImage(
        account_id=m.group(1),
        region=m.group(2),
        partition=partition_of(m.group(2)),
        repository=m.group(4),
        tag=m.group(5),
        digest=m.group(6),
    )


def image_is_mutable(image: str) -> bool:
    """True for ':latest' or no tag at all; a digest is always immutable."""
    if "@sha256:" in image:
        return False
    last = image.rsplit("/", 1)[-1]
    return ":" not in last or last.rsplit(":", 1)[1] == "latest"


@dataclass(frozen=True)
class SecretReference:
    value_from: str
    grants: tuple[tuple[str, str], ...]  # (service, resource ARN) pairs the execution role needs

    @property
    def service(self) -> str:
        return self.grants[0][0]

    @property
    def resource_arn(self) -> str:
        return self.grants[0][1]

    @property
    def resource_arns(self) -> tuple[str, ...]:
        return tuple(arn for service, arn in self.grants if service == self.service)


# Parameter Store names that resolve to a Secrets Manager secret.
_SSM_SECRETS_MANAGER_REFERENCE = "aws/reference/secretsmanager/"


def parse_secret_reference(
    value: str, *, account_id: str, region: str, partition: str, secrets_manager_only: bool = False
) -> SecretReference:
    """Reduce any valueFrom that ECS accepts to the ARNs an IAM grant must name.

    - full secret ARN, optionally with ``:json-key:version-stage:version-id``: the secret ARN;
    - partial secret ARN (no 6-character suffix): ``<partial-arn>-??????``, since
      a grant on the bare partial ARN is denied at task start. A name whose last
      part looks like a suffix (``db-secret``, ``app-Config``) may still be partial,
      so it gets both grants; the pattern matches only that name plus a suffix;
    - parameter ARN: as is; parameter name, with or without '/': the ARN in this account and region;
    - ``/aws/reference/secretsmanager/<name>``: the parameter, and the secret it resolves to.
    """
    m = _SECRET_ARN.fullmatch(value)
    if m:
        part, reg, acct, rest = m.groups()
        name = rest.split(":", 1)[0]
        if not _SECRET_NAME.fullmatch(name):
            raise ValueError(t("arns.secret_name", got=repr(value)))
        base = f"arn:{part}:secretsmanager:{reg}:{acct}:secret:{name}"
        arns = (base, f"{base}-??????") if _SUFFIX.search(name) else (f"{base}-??????",)
        return SecretReference(value, tuple(("secretsmanager", a) for a in arns))
    if secrets_manager_only:
        raise ValueError(t("arns.secret_only", got=repr(value)))
    m = _PARAM_ARN.fullmatch(value)
    if m:
        part, reg, acct, name = m.group(1), m.group(2), m.group(3), m.group(4).lstrip("/")
        parameter = value
    elif value.startswith("arn:"):
        raise ValueError(t("arns.secret_or_parameter_arn", got=repr(value)))
    elif _PARAM_NAME.fullmatch(value):
        part, reg, acct, name = partition, region, account_id, value.lstrip("/")
        parameter = f"arn:{part}:ssm:{reg}:{acct}:parameter/{name}"
    else:
        raise ValueError(t("arns.secret_or_parameter", got=repr(value)))
    grants = [("ssm", parameter)]
    if name.startswith(_SSM_SECRETS_MANAGER_REFERENCE):
        secret = name[len(_SSM_SECRETS_MANAGER_REFERENCE) :]
        grants.append(("secretsmanager", f"arn:{part}:secretsmanager:{reg}:{acct}:secret:{secret}-??????"))
    return SecretReference(value, tuple(grants))


def secret_value_paths(td: TaskDefinition) -> Iterator[tuple[str, str]]:
    """Every place the file names a secret the execution role must read at task start."""
    for i, c in enumerate(td.containers):
        base = f"containerDefinitions[{i}]"
        for j, s in enumerate(c.get("secrets", [])):
            yield f"{base}.secrets[{j}].valueFrom", s["valueFrom"]
        for j, s in enumerate((c.get("logConfiguration") or {}).get("secretOptions", [])):
            yield f"{base}.logConfiguration.secretOptions[{j}].valueFrom", s["valueFrom"]
        creds = c.get("repositoryCredentials")
        if creds:
            yield f"{base}.repositoryCredentials.credentialsParameter", creds["credentialsParameter"]
    # FSx for Windows File Server: ECS reads the domain credentials to mount the share.
    for k, v in enumerate(td.data.get("volumes", [])):
        auth = (v.get("fsxWindowsFileServerVolumeConfiguration") or {}).get("authorizationConfig")
        if auth:
            yield (
                f"volumes[{k}].fsxWindowsFileServerVolumeConfiguration.authorizationConfig.credentialsParameter",
                auth["credentialsParameter"],
            )


def awslogs_creates_group(log_configuration: Mapping[str, Any]) -> bool:
    """True when an awslogs configuration asks the driver to create its group (``"true"``, any case)."""
    return str((log_configuration.get("options") or {}).get("awslogs-create-group", "")).lower() == "true"


def log_group_arn(name: str, *, account_id: str, region: str, partition: str) -> str:
    return f"arn:{partition}:logs:{region}:{account_id}:log-group:{name}"


def runtime_secret_arn(name: str, *, account_id: str, region: str, partition: str) -> str:
    """The grant for a secret known by name: its 6-character suffix is unknown until read."""
    return f"arn:{partition}:secretsmanager:{region}:{account_id}:secret:{name}-??????"


def s3_object_and_bucket(arn: str) -> tuple[str, str]:
    m = re.fullmatch(r"arn:(aws[a-z-]*):s3:::([^/\s]+)/(.+)", arn)
    if not m:
        raise ValueError(t("arns.s3_object", got=repr(arn)))
    return arn, f"arn:{m.group(1)}:s3:::{m.group(2)}"
