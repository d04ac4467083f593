"""Service rules that the API model cannot express, and warnings for risky input.

Each rule returns Problems with the JSON path of the offending field, so every
mistake in one file is reported in one run. A rule assumes that the members it
reads passed the loader (required members present, every value of its API type,
units converted): each declares them with ``@reads``, and ``check`` skips a rule
when the loader found a problem in one of them, so a file with type errors still
gets every service rule that can safely run on the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from taskdef.input import arns
from taskdef.input.container_rules import (
    container_memory,
    container_names,
    dependencies,
    environment_files,
    log_configuration,
    names,
    port_mappings,
    secret_references,
)
from taskdef.input.launch_types import (
    external_network,
    fargate_containers,
    fargate_namespaces,
    fargate_network,
    fargate_placement,
    fargate_size,
    fargate_volumes,
    managed_instances_fields,
    managed_instances_network,
)
from taskdef.input.loader import TaskDefinition
from taskdef.input.range_rules import (
    health_check,
    image_reference,
    port_numbers,
    start_timeout,
    stop_timeout,
    task_cpu,
    volume_names,
)
from taskdef.input.rule_base import Rule, blocked, containers, is_windows
from taskdef.input.settings import Settings
from taskdef.input.tag_rules import tags
from taskdef.input.task_rules import (
    distinct_role_names,
    efs_task_role,
    efs_volumes,
    execution_role_needed,
    pass_only_roles,
    provider_arguments,
    role_arns,
    volumes,
)
from taskdef.text.errors import Problem, warning_line
from taskdef.text.i18n import t

SECRET_LIKE_NAME = re.compile(
    r"PASSWORD|PASSWD|(^|_)PASS($|_)|SECRET|TOKEN|(^|_)KEY($|_)|APIKEY|CREDENTIAL|PRIVATE", re.I
)
# Names that hold a reference to a secret, not the secret itself.
REFERENCE_SUFFIX = re.compile(r"_(ID|NAME|ARN|PATH|FILE|REGION)$", re.I)


def looks_like_secret(name: str) -> bool:
    return bool(SECRET_LIKE_NAME.search(name)) and not REFERENCE_SUFFIX.search(name)


# Every rule, in the order its problems are reported; a rule taking settings has two parameters.
RULES: tuple[Rule, ...] = (
    names,
    fargate_size,
    task_cpu,
    fargate_network,
    external_network,
    fargate_volumes,
    fargate_namespaces,
    fargate_placement,
    fargate_containers,
    managed_instances_network,
    managed_instances_fields,
    port_mappings,
    port_numbers,
    container_names,
    container_memory,
    dependencies,
    stop_timeout,
    start_timeout,
    health_check,
    image_reference,
    volumes,
    volume_names,
    efs_volumes,
    efs_task_role,
    provider_arguments,
    execution_role_needed,
    environment_files,
    tags,
    log_configuration,
    secret_references,
    role_arns,
    distinct_role_names,
    pass_only_roles,
)
SETTINGS_RULES = frozenset({log_configuration, secret_references, role_arns, pass_only_roles, tags})


def run_rule(rule: Rule, td: TaskDefinition, settings: Settings) -> list[Problem]:
    return rule(td, settings) if rule in SETTINGS_RULES else rule(td)


def check(td: TaskDefinition, settings: Settings, *, known: Iterable[Problem] = ()) -> list[Problem]:
    """Every rule's problems; with the loader's ``known`` problems, only the rules whose members are sound."""
    known = list(known)
    problems: list[Problem] = []
    for rule in RULES:
        if not known or not blocked(rule, known):
            problems.extend(run_rule(rule, td, settings))
    return problems


def warnings(td: TaskDefinition) -> list[str]:
    out: list[str] = []

    def warn(path: str, message: str) -> None:
        out.append(warning_line(td.source, td.file_path(path), message))

    for path, c in containers(td):
        image = c["image"]
        if arns.image_is_mutable(image):
            warn(f"{path}.image", t("rules.warnings_2", image=repr(image)))
        for j, env in enumerate(c.get("environment", [])):
            if looks_like_secret(env["name"]):
                warn(f"{path}.environment[{j}].name", t("rules.warnings_6", name=repr(env["name"])))
            if env["value"] == "":
                warn(f"{path}.environment[{j}].value", t("rules.warnings_7", name=repr(env["name"])))
        # Windows containers cannot have a read-only root file system; a warning there could never be acted on.
        if c.get("readonlyRootFilesystem") is not True and not is_windows(td):
            warn(f"{path}.readonlyRootFilesystem", t("rules.warnings_3"))
        if c.get("privileged") is True:
            warn(f"{path}.privileged", t("rules.warnings_4"))
        log = c.get("logConfiguration") or {}
        if log.get("logDriver") == "awslogs" and arns.awslogs_creates_group(log):
            warn(
                f"{path}.logConfiguration.options.awslogs-create-group",
                t("rules.warnings_5", awslogs_group=log["options"]["awslogs-group"]),
            )
    if td.task_role_arn and td.task_role_arn == td.execution_role_arn:
        warn("taskRoleArn", t("rules.warnings_1"))
    return out
