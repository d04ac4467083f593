"""The settings' values checked beyond their JSON type: IDs, names, ARNs and combinations, each problem naming
its setting. ``settings`` checks the types and builds the dataclasses; this module reads them by attribute only."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from taskdef.input.limits import QUOTAS
from taskdef.input.tag_limits import default_tags_problems
from taskdef.text.errors import Problem, join_path
from taskdef.text.i18n import Text, t

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
# GitHub: an owner of up to 39 letters, digits and inner hyphens; a repository of up to 100 letters, digits and
# '.', '_', '-'. An environment name here is one a settings file can have (the workflow's environment input).
_GITHUB_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?/[A-Za-z0-9._-]{1,100}")
_GITHUB_ENVIRONMENT = re.compile(r"[A-Za-z0-9_-]{1,255}")


# A path as main.py diff names a value (taskdef/model/normalize.py flatten): members joined by '.', a list item by
# its naming member, e.g. containerDefinitions[name=app].environment[name=FEATURE_FLAG].value.
_SEGMENT = r"[A-Za-z][A-Za-z0-9]*(?:\[[A-Za-z]+=[^\[\]]+\])?"
_OWNED_PATH = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})*")


def describe(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def value_problems(values: Mapping[str, Any]) -> list[Problem]:
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
        if deployer.github is not None:
            problems += _github_problems(deployer, check)
        for i, path in enumerate(deployer.owns):
            check(f"deployer.owns[{i}]", path, bool(_OWNED_PATH.fullmatch(path)), t("settings.expect_owned_path"))
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


def _run_problems(run: Any, check: Callable[[str, Any, bool, Text], None]) -> list[Problem]:
    problems: list[Problem] = []
    check("deployer.run.cluster", run.cluster, bool(_ECS_NAME.fullmatch(run.cluster)), t("settings.expect_cluster"))
    for i, name in enumerate(run.services):
        check(f"deployer.run.services[{i}]", name, bool(_ECS_NAME.fullmatch(name)), t("settings.expect_service"))
        if name in run.services[:i]:
            problems.append(Problem(f"deployer.run.services[{i}]", t("settings.run_problems_2", name=name)))
    if not run.services and not run.run_task:
        problems.append(Problem("deployer.run", t("settings.run_problems_1")))
    return problems


def _github_problems(deployer: Any, check: Callable[[str, Any, bool, Text], None]) -> list[Problem]:
    github = deployer.github
    assert github is not None
    check(
        "deployer.github.repository",
        github.repository,
        bool(_GITHUB_REPOSITORY.fullmatch(github.repository)),
        t("settings.expect_github_repository"),
    )
    check(
        "deployer.github.environment",
        github.environment,
        bool(_GITHUB_ENVIRONMENT.fullmatch(github.environment)),
        t("settings.expect_github_environment"),
    )
    if deployer.role_name is None:  # a user has no trust policy: OIDC needs a role to assume
        return [Problem("deployer.github", t("settings.github_needs_role"))]
    return []


def _iam_quota_problems(raised: Mapping[str, Any]) -> list[Problem]:
    """iam_quotas: only AWS's adjustable IAM quotas, each an integer from its default up to its maximum."""
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
