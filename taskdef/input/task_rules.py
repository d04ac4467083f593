"""Service rules on the task as a whole: its roles and volumes (EFS among them); tags are tag_rules's."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from taskdef.input import arns
from taskdef.input.container_rules import SECRET_MEMBERS
from taskdef.input.limits import PROVIDER
from taskdef.input.loader import TaskDefinition
from taskdef.input.rule_base import CONTAINER, containers, is_fargate, reads
from taskdef.input.settings import Settings
from taskdef.text.errors import Problem
from taskdef.text.i18n import t


@reads("executionRoleArn", "taskRoleArn")
def role_arns(td: TaskDefinition, settings: Settings) -> list[Problem]:
    problems = []
    for key in ("executionRoleArn", "taskRoleArn"):
        value = td.data.get(key)
        if value is None:
            continue
        try:
            role = arns.parse_role_arn(value)
        except ValueError as exc:
            problems.append(Problem(key, exc.args[0]))
            continue
        if role.account_id != settings.account_id:
            problems.append(
                Problem(key, t("rules.role_arns_1", account_id=settings.account_id, account_id2=role.account_id))
            )
        if role.partition != settings.partition:
            problems.append(
                Problem(
                    key,
                    t(
                        "rules.role_arns_2",
                        partition=settings.partition,
                        region=settings.region,
                        partition2=role.partition,
                    ),
                )
            )
    return problems


@reads(
    "executionRoleArn", "requiresCompatibilities", CONTAINER + "image", CONTAINER + "environmentFiles", *SECRET_MEMBERS
)
def execution_role_needed(td: TaskDefinition) -> list[Problem]:
    if td.execution_role_arn:
        return []
    reasons: list[str] = []
    if any(True for _ in arns.secret_value_paths(td)):
        reasons.append(t("rules.needs_secrets"))
    if any(c.get("environmentFiles") for c in td.containers):
        reasons.append("environmentFiles")
    if is_fargate(td):
        if any(arns.parse_ecr_image(c["image"]) for c in td.containers):
            reasons.append(t("rules.needs_private_image"))
        if any((c.get("logConfiguration") or {}).get("logDriver") == "awslogs" for c in td.containers):
            reasons.append(t("rules.needs_awslogs"))
    if reasons:
        return [Problem("executionRoleArn", t("rules.execution_role_needed_1", items=tuple(reasons)))]
    return []


@reads("volumes[].name", CONTAINER + "mountPoints", "ephemeralStorage", "inferenceAccelerators")
def volumes(td: TaskDefinition) -> list[Problem]:
    problems = []
    declared: dict[str, str] = {}
    for k, v in enumerate(td.data.get("volumes", [])):
        if v["name"] in declared:
            problems.append(Problem(f"volumes[{k}].name", t("rules.volumes_3", declared=declared[v["name"]])))
        declared.setdefault(v["name"], f"volumes[{k}]")
    for path, c in containers(td):
        for j, mount in enumerate(c.get("mountPoints", [])):
            p = f"{path}.mountPoints[{j}].sourceVolume"
            if "sourceVolume" not in mount:
                problems.append(Problem(p, t("rules.volumes_4")))
            elif mount["sourceVolume"] not in declared:
                known = ", ".join(declared) or t("rules.none_declared")
                problems.append(Problem(p, t("rules.volumes_5", known=known, sourceVolume=repr(mount["sourceVolume"]))))
    size = td.data.get("ephemeralStorage", {}).get("sizeInGiB")
    if size is not None and not 21 <= size <= 200:
        problems.append(Problem("ephemeralStorage.sizeInGiB", t("rules.volumes_1", size=size)))
    if td.data.get("inferenceAccelerators"):
        problems.append(Problem("inferenceAccelerators", t("rules.volumes_2")))
    return problems


def _efs_volumes(td: TaskDefinition) -> Iterator[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
    """(path, efsVolumeConfiguration, its authorizationConfig or {}) for each EFS volume."""
    for k, v in enumerate(td.data.get("volumes", [])):
        config = v.get("efsVolumeConfiguration")
        if config is not None:
            yield f"volumes[{k}].efsVolumeConfiguration", config, config.get("authorizationConfig") or {}


@reads("volumes")
def efs_volumes(td: TaskDefinition) -> list[Problem]:
    """IAM authorization and access points need TLS; an access point sets the root directory itself."""
    problems = []
    for path, config, auth in _efs_volumes(td):
        needs = [t("rules.efs_needs_iam")] if auth.get("iam") == "ENABLED" else []
        if "accessPointId" in auth:
            needs.append(t("rules.efs_needs_access_point"))
        if needs and config.get("transitEncryption") != "ENABLED":
            problems.append(
                Problem(
                    f"{path}.transitEncryption",
                    t(
                        "rules.efs_volumes_1",
                        items=t("rules.efs_needs_both", first=needs[0], second=needs[1])
                        if len(needs) > 1
                        else needs[0],
                        value=config.get("transitEncryption", t("rules.none_disabled")),
                    ),
                )
            )
        root = config.get("rootDirectory")
        if "accessPointId" in auth and root not in (None, "/"):
            problems.append(Problem(f"{path}.rootDirectory", t("rules.efs_volumes_2", root=repr(root))))
    return problems


@reads("volumes", "taskRoleArn")
def efs_task_role(td: TaskDefinition) -> list[Problem]:
    """EFS IAM authorization mounts as the task role, which the stack grants elasticfilesystem:ClientMount."""
    if td.task_role_arn:
        return []
    return [
        Problem(f"{path}.authorizationConfig.iam", t("rules.efs_task_role_1"))
        for path, _, auth in _efs_volumes(td)
        if auth.get("iam") == "ENABLED"
    ]


def _role_names(td: TaskDefinition) -> dict[str, str] | None:
    """{field: role name} for the role ARNs of the file; None when one is not a role ARN (role_arns says so)."""
    out = {}
    for key in ("executionRoleArn", "taskRoleArn"):
        value = td.data.get(key)
        if value is None:
            continue
        try:
            out[key] = arns.parse_role_arn(value).name
        except ValueError:
            return None
    return out


@reads("executionRoleArn", "taskRoleArn")
def distinct_role_names(td: TaskDefinition) -> list[Problem]:
    """Two ARNs with one role name cannot be two roles: IAM role names are unique per account, ignoring case."""
    execution, task = td.execution_role_arn, td.task_role_arn
    if not execution or not task or execution == task:
        return []
    try:
        first, second = arns.parse_role_arn(execution), arns.parse_role_arn(task)
    except ValueError:
        return []  # role_arns reports it
    if (first.partition, first.account_id) != (
        second.partition,
        second.account_id,
    ) or first.name.lower() != second.name.lower():
        return []
    return [Problem("taskRoleArn", t("rules.distinct_role_names_1", name=repr(second.name), execution=execution))]


@reads("executionRoleArn", "taskRoleArn")
def pass_only_roles(td: TaskDefinition, settings: Settings) -> list[Problem]:
    """Each settings roles.pass_only entry names a role of this task definition, exactly as its ARN does."""
    names = _role_names(td)
    if names is None or not settings.roles.pass_only:
        return []
    known = tuple(t("rules.role_from", name=name, field=key) for key, name in names.items()) or t("rules.no_roles")
    problems = []
    for i, entry in enumerate(settings.roles.pass_only):
        if entry in names.values():
            continue
        near = [n for n in names.values() if n.lower() == entry.lower()]
        hint = t("rules.pass_only_near", near=repr(near[0])) if near else ""
        problems.append(
            Problem(
                f"roles.pass_only[{i}]",
                t("rules.pass_only_roles_1", source=td.source, known=known, entry=repr(entry), hint=hint),
                source=settings.source or "settings",
            )
        )
    return problems


# Members the current ECS model accepts but the bound provider has no argument for: refused rather than
# dropped, so nothing registers a revision other than the file says.
PROVIDER_LACKS = (
    ("trustedExecutionConfiguration", "trusted_execution_configuration"),
    ("volumes[].s3filesVolumeConfiguration", "volume.s3files_volume_configuration"),
)


@reads("trustedExecutionConfiguration", "volumes")
def provider_arguments(td: TaskDefinition) -> list[Problem]:
    problems = []
    for member, argument in PROVIDER_LACKS:
        message = t("rules.provider_lacks", provider=PROVIDER, argument=argument)
        if member.startswith("volumes[]."):
            key = member.removeprefix("volumes[].")
            problems += [
                Problem(f"volumes[{k}].{key}", message) for k, v in enumerate(td.data.get("volumes", [])) if key in v
            ]
        elif member in td.data:
            problems.append(Problem(member, message))
    return problems
