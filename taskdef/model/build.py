"""File and settings -> the permission plan: every role, statement, log group and secret the stack
writes, each with the reason the file gives for it."""

from __future__ import annotations

import dataclasses

from taskdef.input import arns
from taskdef.input.loader import TaskDefinition
from taskdef.input.settings import Settings
from taskdef.model.deployer_statements import deployer_statements
from taskdef.model.plan import TASK_EXECUTION_ROLE, TASK_ROLE, Deployer, LogGroup, Plan, Role, RuntimeSecret
from taskdef.model.role_statements import execution_statements, task_statements, trust_statement
from taskdef.text.errors import warning_line
from taskdef.text.i18n import t


def _log_groups(td: TaskDefinition, settings: Settings) -> tuple[LogGroup, ...]:
    """Every awslogs group of the file, in order, with the options that name or create it."""
    used_by: dict[str, list[str]] = {}
    created_by: dict[str, list[str]] = {}
    for i, c in enumerate(td.containers):
        log = c.get("logConfiguration") or {}
        if log.get("logDriver") == "awslogs":
            name, options = log["options"]["awslogs-group"], f"containerDefinitions[{i}].logConfiguration.options"
            used_by.setdefault(name, []).append(f"{options}.awslogs-group")
            if arns.awslogs_creates_group(log):
                created_by.setdefault(name, []).append(f"{options}.awslogs-create-group")
    return tuple(
        LogGroup(
            name,
            arns.log_group_arn(
                name, account_id=settings.account_id, region=settings.region, partition=settings.partition
            ),
            tuple(paths),
            tuple(created_by.get(name, ())),
        )
        for name, paths in used_by.items()
    )


def build_plan(td: TaskDefinition, settings: Settings, *, warnings: tuple[str, ...] = ()) -> Plan:
    acct, region, part = settings.account_id, settings.region, settings.partition
    log_groups = _log_groups(td, settings)
    secrets = (
        tuple(
            RuntimeSecret(n, arns.runtime_secret_arn(n, account_id=acct, region=region, partition=part))
            for n in settings.runtime_secrets
        )
        if td.task_role_arn
        else ()
    )
    extra_warnings = list(warnings)
    if settings.runtime_secrets and not td.task_role_arn:
        extra_warnings.append(
            warning_line(td.source, "taskRoleArn", t("plan.no_task_role", secrets=", ".join(settings.runtime_secrets)))
        )

    roles: dict[str, Role] = {}
    for key, field_name, statements in (
        (TASK_EXECUTION_ROLE, "executionRoleArn", lambda: execution_statements(td, settings, log_groups)),
        (TASK_ROLE, "taskRoleArn", lambda: task_statements(td, settings, secrets)),
    ):
        arn = td.data.get(field_name)
        if not arn:
            continue
        parsed = arns.parse_role_arn(arn)
        if arn in roles:  # one role serving both purposes gets both policies
            first = roles[arn]
            roles[arn] = dataclasses.replace(
                first, statements=first.statements + tuple(statements()), also_used_as=(key,)
            )
            continue
        roles[arn] = Role(
            key,
            field_name,
            arn,
            parsed.name,
            parsed.path,
            tuple(statements()),
            attach_policies=parsed.name not in settings.roles.pass_only,
            policy_name=f"{td.family}-{key.replace('_', '-')}",
        )
    planned = tuple(dataclasses.replace(r, trust=trust_statement(r.keys, settings)) for r in roles.values())
    d = settings.deployer
    deployer = Deployer(
        d.kind,
        d.name,
        f"arn:{part}:iam::{acct}:{d.kind}/{d.name}",
        d.policy_name,
        d.attach,
        tuple(deployer_statements(td, settings, planned)),
    )
    return Plan(settings, td, planned, log_groups, secrets, deployer, tuple(extra_warnings))
