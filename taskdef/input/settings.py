"""Per-environment settings: one checked-in JSON file per environment.

``environments/<name>.json`` holds account, region, names, runtime secrets, the
deployer (an IAM user or role) and log retention. ``IG_ENV`` picks one (default ``prod``) or
``all``; ``TASK_DEFINITION_FILE`` points any environment at another file.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taskdef.input.arns import partition_of
from taskdef.input.tag_limits import default_tags_problems
from taskdef.text.errors import InputError, Problem, join_path
from taskdef.text.i18n import Either, Text, t

ROOT = Path(__file__).resolve().parents[2]

# CloudWatch Logs accepts only these retention periods (0 means never expire).
LOG_RETENTION_DAYS = (
    0,
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
# The project's policy check CKV_IGN_12 fails a log group kept under a year, so the
# settings accept only 0 (never expire) and the CloudWatch periods of 365 days or more.
MIN_LOG_RETENTION_DAYS = 365
ALLOWED_LOG_RETENTION_DAYS = tuple(d for d in LOG_RETENTION_DAYS if d == 0 or d >= MIN_LOG_RETENTION_DAYS)
ROLE_MODES = ("create", "adopt", "external")


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


_NESTED = {"deployer": DeployerSettings, "roles": RoleSettings, "s3_backend": S3BackendSettings, "run": RunSettings}
_NULLABLE = ("s3_backend", "run")
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


_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
_KMS_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+")
_IAM_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]+")
_SECRET_NAME = re.compile(r"[A-Za-z0-9/_+=.@-]{1,512}")
# A Terraform identifier that no CLI reads as an option: a letter or '_' first (cdktf also refuses whitespace and glob
# characters). cdktf writes the stack to stacks/<name>/ and fails past the file system's 255 characters with a jsii
# JavaScriptError; the local backend's .terraform.<name>.tfstate.lock.info adds 29 to the name, so 226 at most.
STACK_NAME_MAX = 255 - len(".terraform..tfstate.lock.info")
_STACK_NAME = re.compile(rf"[A-Za-z_][A-Za-z0-9_-]{{0,{STACK_NAME_MAX - 1}}}")
# CreateCluster and CreateService: up to 255 letters, digits, hyphens and underscores.
_ECS_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")


def describe(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _value_problems(values: Mapping[str, Any]) -> list[Problem]:
    """Checks beyond the type, each run only when its value is present and well typed."""
    problems: list[Problem] = []

    def check(path: str, value: Any, ok: bool, expected: Text) -> None:
        if value is not None and not ok:
            problems.append(Problem(path, t("settings.check_1", expected=expected, value=describe(value))))

    account, region, stack = values.get("account_id"), values.get("region"), values.get("stack_name")
    check("account_id", account, bool(account and re.fullmatch(r"[0-9]{12}", account)), t("settings.expect_account"))
    check("region", region, bool(region and _REGION.fullmatch(region)), t("settings.expect_region"))
    check(
        "stack_name",
        stack,
        bool(stack and _STACK_NAME.fullmatch(stack)),
        t("settings.expect_stack_name", limit=STACK_NAME_MAX),
    )
    retention = values.get("log_group_retention_in_days")
    if retention is not None and retention not in ALLOWED_LOG_RETENTION_DAYS:
        allowed = ", ".join(map(str, ALLOWED_LOG_RETENTION_DAYS[1:]))
        why = (
            t("settings.retention_policy", days=MIN_LOG_RETENTION_DAYS)
            if retention in LOG_RETENTION_DAYS
            else t("settings.retention_cloudwatch")
        )
        problems.append(
            Problem(
                "log_group_retention_in_days",
                t("settings.value_problems_1", allowed=allowed, value=describe(retention), why=why),
            )
        )
    key_id = values.get("log_group_kms_key_id")
    check("log_group_kms_key_id", key_id, bool(key_id and _KMS_KEY_ARN.fullmatch(key_id)), t("settings.expect_log_kms"))
    for i, arn in enumerate(values.get("secrets_kms_key_arns", ())):
        check(f"secrets_kms_key_arns[{i}]", arn, bool(_KMS_KEY_ARN.fullmatch(arn)), t("settings.expect_kms"))
    for i, name in enumerate(values.get("runtime_secrets", ())):
        check(f"runtime_secrets[{i}]", name, bool(_SECRET_NAME.fullmatch(name)), t("settings.expect_secret_name"))
    roles = values.get("roles")
    if roles is not None:
        check(
            "roles.mode",
            roles.mode,
            roles.mode in ROLE_MODES,
            t("settings.expect_role_mode", modes=", ".join(ROLE_MODES)),
        )
        if roles.pass_only and roles.mode != "external":
            problems.append(Problem("roles.pass_only", t("settings.value_problems_2")))
        if roles.dedicated and roles.mode != "create":
            problems.append(Problem("roles.dedicated", t("settings.value_problems_3")))
        for i, name in enumerate(roles.pass_only):
            check(
                f"roles.pass_only[{i}]",
                name,
                bool(_IAM_NAME.fullmatch(name)) and len(name) <= 64,
                t("settings.expect_role_name"),
            )
    deployer = values.get("deployer")
    if deployer is not None:
        user, role = deployer.user_name, deployer.role_name
        check(
            "deployer.user_name",
            user,
            bool(user and _IAM_NAME.fullmatch(user)) and len(user) <= 64,
            t("settings.expect_user_name"),
        )
        check(
            "deployer.role_name",
            role,
            bool(role and _IAM_NAME.fullmatch(role)) and len(role) <= 64,
            t("settings.expect_role_name"),
        )
        if user is not None and role is not None:
            problems.append(Problem("deployer.role_name", t("settings.value_problems_4")))
        check(
            "deployer.policy_name",
            deployer.policy_name,
            bool(_IAM_NAME.fullmatch(deployer.policy_name)) and len(deployer.policy_name) <= 128,
            t("settings.expect_policy_name"),
        )
        if deployer.run is not None:
            problems += _run_problems(deployer.run, check)
    problems += _iam_quota_problems(values.get("iam_quotas") or {})
    problems += default_tags_problems(values.get("default_tags") or {})
    backend = values.get("s3_backend")
    if backend is not None:
        check("s3_backend.region", backend.region, bool(_REGION.fullmatch(backend.region)), t("settings.expect_region"))
        check(
            "s3_backend.bucket",
            backend.bucket,
            bool(re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", backend.bucket)),
            t("settings.expect_bucket"),
        )
        check("s3_backend.key", backend.key, bool(backend.key), t("settings.expect_object_key"))
    return problems


def _run_problems(run: RunSettings, check: Callable[[str, Any, bool, str], None]) -> list[Problem]:
    problems: list[Problem] = []
    check("deployer.run.cluster", run.cluster, bool(_ECS_NAME.fullmatch(run.cluster)), t("settings.expect_cluster"))
    for i, name in enumerate(run.services):
        check(f"deployer.run.services[{i}]", name, bool(_ECS_NAME.fullmatch(name)), t("settings.expect_service"))
        if name in run.services[:i]:
            problems.append(Problem(f"deployer.run.services[{i}]", t("settings.run_problems_2", name=name)))
    if not run.services and not run.run_task:
        problems.append(Problem("deployer.run", t("settings.run_problems_1")))
    return problems


def _iam_quota_problems(raised: Mapping[str, Any]) -> list[Problem]:
    """iam_quotas: only AWS's adjustable IAM quotas, each an integer from its default up to its maximum."""
    from taskdef.input.limits import QUOTAS  # quotas.py imports the plan, which imports this module

    adjustable = {k: q for k, q in QUOTAS.items() if q.adjustable}
    problems = []
    for key, value in raised.items():
        path = join_path("iam_quotas", key)
        q = adjustable.get(key)
        if q is None:
            near = difflib.get_close_matches(key, adjustable, n=1)
            problems.append(
                Problem(
                    path,
                    t(
                        "settings.not_adjustable",
                        hint=t("settings.near", near=near[0])
                        if near
                        else t("settings.expected_one_of", names=", ".join(sorted(adjustable))),
                    ),
                )
            )
        elif isinstance(value, bool) or not isinstance(value, int) or not q.limit <= value <= q.maximum:
            problems.append(
                Problem(
                    path, t("settings.iam_quota_problems_1", limit=q.limit, maximum=q.maximum, value=describe(value))
                )
            )
    return problems


def parse_settings(data: Any, *, source: str, task_definition_file: str | None = None) -> Settings:
    problems: list[Problem] = []
    values = _check_object(data, Settings, "", problems)
    if task_definition_file:
        values["task_definition_file"] = task_definition_file
    problems += _value_problems(values)
    if problems:
        raise InputError(source, problems)
    path = Path(values["task_definition_file"])
    values["task_definition_file"] = path if path.is_absolute() else (ROOT / path)
    if task_definition_file:
        values["task_definition_file"] = Path(task_definition_file).resolve()
    return Settings(source=source, **values)
