"""Per-environment settings: one checked-in JSON file per environment.

``environments/<name>.json`` holds account, region, names, runtime secrets, the
deployer user and log retention. ``IG_ENV`` picks one (default ``prod``) or
``all``; ``TASK_DEFINITION_FILE`` points any environment at another file.
"""
from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .errors import InputError, Problem, join_path

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS_DIR = ROOT / "environments"
DEFAULT_ENVIRONMENT = "prod"

# CloudWatch Logs accepts only these retention periods (0 means never expire).
LOG_RETENTION_DAYS = (0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                      1096, 1827, 2192, 2557, 2922, 3288, 3653)
ROLE_MODES = ("create", "adopt", "external")


@dataclass(frozen=True)
class DeployerSettings:
    user_name: str = "dev-pilot-reader"
    policy_name: str = "ig-notification-deployer"
    # False keeps the policy unattached, for an IAM administrator to attach by hand.
    attach: bool = True


@dataclass(frozen=True)
class RoleSettings:
    # create: the stack creates the roles; adopt: it imports existing roles with
    # Terraform import blocks; external: it reads them and only adds its policies.
    mode: str = "create"
    # external mode only: role names the stack must not touch at all; the deployer
    # may still pass them, but no policy is attached to them.
    pass_only: tuple[str, ...] = ()


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
    # Customer-managed KMS keys that encrypt the secrets or parameters read at
    # task start or run time; each one earns kms:Decrypt via that service only.
    secrets_kms_key_arns: tuple[str, ...] = ()
    default_tags: Mapping[str, str] = field(default_factory=dict)
    s3_backend: S3BackendSettings | None = None
    source: str = ""

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"


_NESTED = {"deployer": DeployerSettings, "roles": RoleSettings, "s3_backend": S3BackendSettings}
_TYPES: dict[str, type | tuple[type, ...]] = {
    "environment": str, "stack_name": str, "account_id": str, "region": str,
    "task_definition_file": str, "runtime_secrets": list, "task_definition_overrides": dict,
    "log_group_retention_in_days": int, "log_group_kms_key_id": (str, type(None)),
    "secrets_kms_key_arns": list, "default_tags": dict,
    "user_name": str, "policy_name": str, "attach": bool, "mode": str, "pass_only": list,
    "bucket": str, "key": str, "encrypt": bool, "use_lockfile": bool,
}
_JSON_TYPE = {str: "a string", int: "an integer", bool: "true or false", list: "a list",
              dict: "an object"}


def _expected(t: type | tuple[type, ...]) -> str:
    types = t if isinstance(t, tuple) else (t,)
    return " or ".join("null" if x is type(None) else _JSON_TYPE[x] for x in types)


def _check_object(data: Any, cls: type, path: str, problems: list[Problem]) -> dict[str, Any]:
    """Type-check one settings object against a dataclass; collect every problem."""
    if not isinstance(data, dict):
        problems.append(Problem(path, "must be an object"))
        return {}
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "source"}
    out: dict[str, Any] = {}
    for key, value in data.items():
        p = join_path(path, key)
        if key not in fields:
            near = difflib.get_close_matches(key, fields, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else f"; expected one of {', '.join(sorted(fields))}"
            problems.append(Problem(p, f"unknown setting{hint}"))
            continue
        if key in _NESTED:
            if value is None and key == "s3_backend":
                continue
            out[key] = _NESTED[key](**_check_object(value, _NESTED[key], p, problems))
            continue
        expected = _TYPES[key]
        # bool is an int in Python; a JSON true is never a retention period.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is int):
            problems.append(Problem(p, f"must be {_expected(expected)}, got {json.dumps(value)}"))
            continue
        if isinstance(value, list):
            if not all(isinstance(v, str) and v for v in value):
                problems.append(Problem(p, "must be a list of non-empty strings"))
                continue
            value = tuple(value)
        out[key] = value
    for name, f in fields.items():
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and name not in data:
            problems.append(Problem(join_path(path, name), "is required"))
    return out


def parse_settings(data: Any, *, source: str, task_definition_file: str | None = None) -> Settings:
    problems: list[Problem] = []
    values = _check_object(data, Settings, "", problems)
    if task_definition_file:
        values["task_definition_file"] = task_definition_file
    if not problems:
        if not re.fullmatch(r"\d{12}", values["account_id"]):
            problems.append(Problem("account_id", f"must be a 12-digit AWS account ID, got {values['account_id']!r}"))
        if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", values["region"]):
            problems.append(Problem("region", f"must be an AWS region such as ap-northeast-2, got {values['region']!r}"))
        if not re.fullmatch(r"[A-Za-z0-9_-]+", values["stack_name"]):
            problems.append(Problem("stack_name", "must hold only letters, digits, '-' and '_' (it names a directory)"))
        retention = values.get("log_group_retention_in_days", 365)
        if retention not in LOG_RETENTION_DAYS:
            problems.append(Problem("log_group_retention_in_days",
                                    f"must be one of {', '.join(map(str, LOG_RETENTION_DAYS))}, got {retention}"))
        roles = values.get("roles", RoleSettings())
        if roles.mode not in ROLE_MODES:
            problems.append(Problem("roles.mode", f"must be one of {', '.join(ROLE_MODES)}, got {roles.mode!r}"))
        if roles.pass_only and roles.mode != "external":
            problems.append(Problem("roles.pass_only", "applies only with roles.mode \"external\""))
        for i, arn in enumerate(values.get("secrets_kms_key_arns", ())):
            if not re.fullmatch(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+", arn):
                problems.append(Problem(f"secrets_kms_key_arns[{i}]", f"must be a KMS key ARN, got {arn!r}"))
    if problems:
        raise InputError(source, problems)
    path = Path(values["task_definition_file"])
    values["task_definition_file"] = path if path.is_absolute() else (ROOT / path)
    if task_definition_file:
        values["task_definition_file"] = Path(task_definition_file).resolve()
    return Settings(source=source, **values)


def environment_names() -> list[str]:
    return sorted(p.stem for p in ENVIRONMENTS_DIR.glob("*.json"))


def load_settings(environment: str, *, environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    path = ENVIRONMENTS_DIR / f"{environment}.json"
    source = os.path.relpath(path, ROOT)
    if not path.is_file():
        raise InputError("IG_ENV", [Problem("", f"no settings file {source}; known environments: "
                                                 f"{', '.join(environment_names())}")])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(source, [Problem("", f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]) from None
    return parse_settings(data, source=source, task_definition_file=environ.get("TASK_DEFINITION_FILE") or None)


def selected_environments(environ: Mapping[str, str] | None = None) -> list[str]:
    environ = os.environ if environ is None else environ
    choice = environ.get("IG_ENV", DEFAULT_ENVIRONMENT).strip() or DEFAULT_ENVIRONMENT
    return environment_names() if choice == "all" else [choice]
