"""Per-environment settings: one checked-in JSON file per environment.

``environments/<name>.json`` holds account, region, names, runtime secrets, the
deployer (an IAM user or role) and log retention. ``IG_ENV`` picks one (default ``prod``) or
``all``; ``TASK_DEFINITION_FILE`` points any environment at another file.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taskdef.input.arns import partition_of
from taskdef.input.setting_values import describe, value_problems
from taskdef.text.errors import InputError, Problem, join_path
from taskdef.text.i18n import Either, t

ROOT = Path(__file__).resolve().parents[2]

DEFAULT_DEPLOYER_USER = "dev-pilot-reader"


@dataclass(frozen=True)
class RunSettings:
    """Where the deployer puts what it registers to work: services on one cluster, one-off tasks, or both."""

    cluster: str
    # Services on the cluster that the deployer may point at new revisions of this family.
    services: tuple[str, ...] = ()
    # One-off tasks of this family on the cluster (RunTask, and StopTask for them).
    run_task: bool = False
    # The reads that waiting needs: for a one-off task to stop (DescribeTasks).
    wait: bool = True


@dataclass(frozen=True)
class GitHubSettings:
    """The GitHub Actions job that signs in as the deployer role: synth writes its trust policy beside the stack."""

    # OWNER/REPO, as the OIDC token's sub claim names it.
    repository: str
    # The GitHub environment the job runs in; the deploy workflow runs in the one named like the settings file.
    environment: str


@dataclass(frozen=True)
class DeployerSettings:
    """Who registers the task definition: an IAM user (``user_name``) or an IAM role (``role_name``).

    Exactly one names the deployer. With neither, it is the user ``dev-pilot-reader``, so settings
    written before roles were supported keep their meaning.
    """

    user_name: str | None = None
    # A role, e.g. one that CI assumes through OIDC instead of holding an IAM user's keys.
    role_name: str | None = None
    policy_name: str = "ig-notification-deployer"
    # False keeps the policy unattached, for an IAM administrator to attach by hand.
    attach: bool = True
    # Absent: the deployer only registers. Present: it also deploys to the services and runs tasks.
    run: RunSettings | None = None
    # Present: synth writes deployer-trust-github.json, the role's trust for this repository's OIDC tokens.
    github: GitHubSettings | None = None
    # Fields the deploy owns beside the first container's image, in diff's path syntax: main.py diff attributes
    # their differences to the deploy, never to outside (for teams that deploy environment values).
    owns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.user_name is None and self.role_name is None:
            object.__setattr__(self, "user_name", DEFAULT_DEPLOYER_USER)

    @property
    def kind(self) -> str:
        """The deployer's IAM principal type, user or role.

        A settings file naming both is refused with the other problems; this stops settings built in code.
        """
        if self.user_name is not None and self.role_name is not None:
            raise ValueError("deployer.user_name and deployer.role_name are both set; the deployer is one of them")
        return "role" if self.role_name is not None else "user"

    @property
    def name(self) -> str:
        return self.role_name if self.kind == "role" else self.user_name  # type: ignore[return-value]


@dataclass(frozen=True)
class RoleSettings:
    # create: the stack creates the roles; adopt: it imports existing roles with
    # Terraform import blocks; external: it reads them and only adds its policies.
    mode: str = "create"
    # external mode only: role names the stack must not touch at all; the deployer
    # may still pass them, but no policy is attached to them.
    pass_only: tuple[str, ...] = ()
    # Roles of this service's own, <family>-task-execution-role and <family>-task-role, in place of
    # the role ARNs of the file: nothing else in the account gains this service's grants.
    dedicated: bool = False


@dataclass(frozen=True)
class S3BackendSettings:
    bucket: str
    key: str
    region: str
    encrypt: bool = True
    use_lockfile: bool = True


@dataclass(frozen=True)
class Settings:
    environment: str
    stack_name: str
    account_id: str
    region: str
    task_definition_file: Path
    runtime_secrets: tuple[str, ...] = ()
    task_definition_overrides: Mapping[str, Any] = field(default_factory=dict)
    deployer: DeployerSettings = DeployerSettings()
    roles: RoleSettings = RoleSettings()
    log_group_retention_in_days: int = 365
    log_group_kms_key_id: str | None = None
    # Import log groups that already exist (e.g. made by awslogs-create-group) instead of
    # failing with ResourceAlreadyExistsException; the plan fails if one does not exist.
    adopt_existing_log_groups: bool = False
    # Customer-managed KMS keys that encrypt the secrets or parameters read at
    # task start or run time; each one earns kms:Decrypt via that service only.
    secrets_kms_key_arns: tuple[str, ...] = ()
    default_tags: Mapping[str, str] = field(default_factory=dict)
    s3_backend: S3BackendSettings | None = None
    # The account's raised IAM quotas, by taskdef/model/quotas.py key (policies_per_user, policies_per_role,
    # role_trust_policy): the synth and verify measure against these instead of AWS's defaults.
    iam_quotas: Mapping[str, int] = field(default_factory=dict)
    source: str = ""

    @property
    def partition(self) -> str:
        return partition_of(self.region)


_NESTED = {
    "deployer": DeployerSettings,
    "roles": RoleSettings,
    "s3_backend": S3BackendSettings,
    "run": RunSettings,
    "github": GitHubSettings,
}
_NULLABLE = ("s3_backend", "run", "github")
_TYPES: dict[str, type | tuple[type, ...]] = {
    "environment": str,
    "stack_name": str,
    "account_id": str,
    "region": str,
    "task_definition_file": str,
    "runtime_secrets": list,
    "task_definition_overrides": dict,
    "log_group_retention_in_days": int,
    "log_group_kms_key_id": (str, type(None)),
    "adopt_existing_log_groups": bool,
    "secrets_kms_key_arns": list,
    "default_tags": dict,
    "user_name": str,
    "role_name": str,
    "policy_name": str,
    "attach": bool,
    "mode": str,
    "pass_only": list,
    "dedicated": bool,
    "bucket": str,
    "key": str,
    "encrypt": bool,
    "use_lockfile": bool,
    "iam_quotas": dict,
    "cluster": str,
    "services": list,
    "run_task": bool,
    "wait": bool,
    "repository": str,
    "owns": list,
}
_JSON_TYPE = {
    str: "loader.type_string",
    int: "loader.type_integer",
    bool: "loader.type_boolean",
    list: "loader.type_list",
    dict: "loader.type_object",
}


def _expected(kind: type | tuple[type, ...]) -> Either:
    types = kind if isinstance(kind, tuple) else (kind,)
    return Either("null" if x is type(None) else t(_JSON_TYPE[x]) for x in types)


def _check_object(data: Any, cls: type, path: str, problems: list[Problem]) -> dict[str, Any]:
    """Type-check one settings object against a dataclass; collect every problem."""
    if not isinstance(data, dict):
        problems.append(Problem(path, t("settings.check_object_1")))
        return {}
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "source"}
    out: dict[str, Any] = {}
    for key, value in data.items():
        p = join_path(path, key)
        if key not in fields:
            near = difflib.get_close_matches(key, fields, n=1)
            hint = (
                t("settings.near", near=near[0])
                if near
                else t("settings.expected_one_of", names=", ".join(sorted(fields)))
            )
            problems.append(Problem(p, t("settings.check_object_2", hint=hint)))
            continue
        if key in _NESTED:
            if value is None and key in _NULLABLE:
                continue
            before = len(problems)
            nested = _check_object(value, _NESTED[key], p, problems)
            if len(problems) == before:  # a partial object cannot be built; its problems are reported
                out[key] = _NESTED[key](**nested)
            continue
        expected = _TYPES[key]
        # bool is an int in Python; a JSON true is never a retention period.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is int):
            problems.append(Problem(p, t("settings.check_object_3", value=_expected(expected), value2=describe(value))))
            continue
        if isinstance(value, list):
            bad = [
                Problem(join_path(p, i), t("settings.check_object_4", value=describe(v)))
                for i, v in enumerate(value)
                if not (isinstance(v, str) and v)
            ]
            if bad:
                problems.extend(bad)
                continue
            value = tuple(value)
        if key == "default_tags":
            bad = [
                Problem(join_path(p, k), t("settings.check_object_5", value=describe(v)))
                for k, v in value.items()
                if not isinstance(v, str)
            ]
            if bad:
                problems.extend(bad)
                continue
        out[key] = value
    for name, f in fields.items():
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and name not in data:
            problems.append(Problem(join_path(path, name), t("settings.check_object_6")))
    return out


def parse_settings(data: Any, *, source: str, task_definition_file: str | None = None) -> Settings:
    problems: list[Problem] = []
    values = _check_object(data, Settings, "", problems)
    if task_definition_file:
        values["task_definition_file"] = task_definition_file
    problems += value_problems(values)
    if problems:
        raise InputError(source, problems)
    path = Path(values["task_definition_file"])
    values["task_definition_file"] = path if path.is_absolute() else (ROOT / path)
    if task_definition_file:
        values["task_definition_file"] = Path(task_definition_file).resolve()
    return Settings(source=source, **values)
