"""The roles' statements, each with the reason from the file: what the execution role needs to start the
task, what the task role needs while it runs, and who may assume each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from taskdef.input import arns
from taskdef.input.loader import TaskDefinition
from taskdef.input.settings import Settings
from taskdef.model.plan import ECS_TASKS, TASK_EXECUTION_ROLE, Condition, LogGroup, Resource, RuntimeSecret, Statement
from taskdef.text.i18n import Text, t

Reason = TypeVar("Reason", bound=str)


def grouped(items: Sequence[tuple[str, Reason]]) -> tuple[tuple[str, ...], tuple[Reason, ...]]:
    """(resource, reason) pairs -> unique resources in order, and their reasons."""
    resources = tuple(dict.fromkeys(r for r, _ in items))
    return resources, tuple(reason for _, reason in items)


def kms_statement(sid: str, settings: Settings, services: set[str], who: str) -> list[Statement]:
    if not settings.secrets_kms_key_arns or not services:
        return []
    return [
        Statement(
            sid=sid,
            actions=("kms:Decrypt",),
            resources=tuple(Resource(a) for a in settings.secrets_kms_key_arns),
            conditions=(
                Condition(
                    "StringEquals",
                    "kms:ViaService",
                    tuple(f"{s}.{settings.region}.amazonaws.com" for s in sorted(services)),
                ),
            ),
            reasons=(t("plan.kms", what=t(f"plan.kms_{who}"), services=", ".join(sorted(services))),),
        )
    ]


def execution_statements(td: TaskDefinition, settings: Settings, log_groups: tuple[LogGroup, ...]) -> list[Statement]:
    out: list[Statement] = []
    ecr = [
        (img.repository_arn, t("plan.ecr_pull", path=f"containerDefinitions[{i}].image", repository=img.repository))
        for i, c in enumerate(td.containers)
        if (img := arns.parse_ecr_image(c["image"]))
    ]
    if ecr:
        repos, reasons = grouped(ecr)
        out.append(
            Statement(
                "EcrGetAuthorizationToken",
                ("ecr:GetAuthorizationToken",),
                (Resource.any(),),
                reasons + (t("plan.ecr_token"),),
            )
        )
        out.append(
            Statement(
                "EcrPullImages",
                ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"),
                tuple(Resource(r) for r in repos),
                reasons,
            )
        )
    if log_groups:
        out.append(
            Statement(
                "LogsWriteTaskLogGroups",
                ("logs:CreateLogStream", "logs:PutLogEvents"),
                tuple(Resource(f"{g.arn}:*", ref=f"log_group:{g.name}", suffix=":*") for g in log_groups),
                tuple(t("plan.logs_write", path=path, group=g.name) for g in log_groups for path in g.used_by),
            )
        )
    created = [g for g in log_groups if g.created_by_driver]
    if created:
        out.append(
            Statement(
                "LogsCreateTaskLogGroups",
                ("logs:CreateLogGroup",),
                # The driver's request names log-group:NAME:log-stream:, which only the ':*' form matches.
                tuple(Resource(f"{g.arn}:*", ref=f"log_group:{g.name}", suffix=":*") for g in created),
                tuple(t("plan.logs_create", path=path, group=g.name) for g in created for path in g.created_by_driver),
            )
        )
    refs = [
        (
            path,
            arns.parse_secret_reference(
                value, account_id=settings.account_id, region=settings.region, partition=settings.partition
            ),
        )
        for path, value in arns.secret_value_paths(td)
    ]
    services = set()
    for service, sid, action in (
        ("secretsmanager", "SecretsManagerReadStartupSecrets", "secretsmanager:GetSecretValue"),
        ("ssm", "SsmReadStartupParameters", "ssm:GetParameters"),
    ):
        items = [
            (arn, t("plan.injects", path=path, value_from=ref.value_from))
            for path, ref in refs
            for granted_service, arn in ref.grants
            if granted_service == service
        ]
        if items:
            services.add(service)
            resources, reasons = grouped(items)
            out.append(Statement(sid, (action,), tuple(Resource(r) for r in resources), reasons))
    out += kms_statement("KmsDecryptStartupSecrets", settings, services, "startup")
    files = [
        (
            arns.s3_object_and_bucket(f["value"]),
            t("plan.env_file", path=f"containerDefinitions[{i}].environmentFiles[{j}]", value=f["value"]),
        )
        for i, c in enumerate(td.containers)
        for j, f in enumerate(c.get("environmentFiles", []))
    ]
    if files:
        objects, reasons = grouped([(obj, why) for (obj, _), why in files])
        buckets, _ = grouped([(bucket, why) for (_, bucket), why in files])
        out.append(Statement("S3GetEnvironmentFiles", ("s3:GetObject",), tuple(Resource(o) for o in objects), reasons))
        out.append(
            Statement(
                "S3GetEnvironmentFileBucketLocation",
                ("s3:GetBucketLocation",),
                tuple(Resource(b) for b in buckets),
                reasons,
            )
        )
    return out


def task_statements(td: TaskDefinition, settings: Settings, secrets: tuple[RuntimeSecret, ...]) -> list[Statement]:
    out: list[Statement] = []
    if secrets:
        named_in = {
            e["value"]: f"containerDefinitions[{i}].environment[{j}]"
            for i, c in enumerate(td.containers)
            for j, e in enumerate(c.get("environment", []))
        }
        reasons = tuple(
            t("plan.runtime_secret_named", name=s.name, path=named_in[s.name])
            if s.name in named_in
            else t("plan.runtime_secret", name=s.name)
            for s in secrets
        )
        out.append(
            Statement(
                "SecretsManagerReadRuntimeSecrets",
                ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
                tuple(Resource(s.arn_pattern, ref=f"secret:{s.name}") for s in secrets),
                reasons,
            )
        )
        out += kms_statement("KmsDecryptRuntimeSecrets", settings, {"secretsmanager"}, "runtime")
    efs: list[tuple[str, Text]] = []
    writable: list[tuple[str, Text]] = []
    for k, v in enumerate(td.data.get("volumes", [])):
        config = v.get("efsVolumeConfiguration")
        if not config or (config.get("authorizationConfig") or {}).get("iam") != "ENABLED":
            continue
        arn = (
            f"arn:{settings.partition}:elasticfilesystem:{settings.region}:{settings.account_id}"
            f":file-system/{config['fileSystemId']}"
        )
        efs.append((arn, t("plan.efs_iam", path=f"volumes[{k}].efsVolumeConfiguration.authorizationConfig.iam")))
        for i, c in enumerate(td.containers):
            for j, m in enumerate(c.get("mountPoints", [])):
                if m.get("sourceVolume") == v["name"] and not m.get("readOnly", False):
                    writable.append(
                        (arn, t("plan.efs_write", path=f"containerDefinitions[{i}].mountPoints[{j}]", volume=v["name"]))
                    )
    if efs:
        resources, reasons = grouped(efs)
        out.append(
            Statement(
                "EfsClientMount", ("elasticfilesystem:ClientMount",), tuple(Resource(r) for r in resources), reasons
            )
        )
    if writable:
        resources, reasons = grouped(writable)
        out.append(
            Statement(
                "EfsClientWrite", ("elasticfilesystem:ClientWrite",), tuple(Resource(r) for r in resources), reasons
            )
        )
    return out


def trust_statement(keys: tuple[str, ...], settings: Settings) -> Statement:
    """ecs-tasks.amazonaws.com may assume the role: as AWS documents the trust for each use.

    The task role carries aws:SourceAccount and aws:SourceArn (AWS's task IAM role guide); the
    execution role's documented trust has no conditions, so a role that is also the execution
    role keeps that form, or task start-up could fail.
    """
    if TASK_EXECUTION_ROLE in keys:
        return Statement(
            "EcsTasksAssumeExecutionRole",
            ("sts:AssumeRole",),
            (),
            service_principals=(ECS_TASKS,),
            reasons=(t("plan.trust_execution"),),
        )
    acct, region, part = settings.account_id, settings.region, settings.partition
    return Statement(
        "EcsTasksAssumeRole",
        ("sts:AssumeRole",),
        (),
        service_principals=(ECS_TASKS,),
        conditions=(
            Condition("StringEquals", "aws:SourceAccount", (acct,)),
            Condition("ArnLike", "aws:SourceArn", (f"arn:{part}:ecs:{region}:{acct}:*",)),
        ),
        reasons=(t("plan.trust_task"),),
    )
