"""The deployer's statements: register the task definition with its conditions, pass the roles, tag,
and, with settings ``deployer.run``, deploy to a service (or roll it back), run one-off tasks, and read the images
it deploys."""

from __future__ import annotations

from taskdef.input.loader import TaskDefinition
from taskdef.input.settings import Settings
from taskdef.input.tag_limits import DEPLOY_WRITER, PROVENANCE_KEYS
from taskdef.model.plan import ECS_TASKS, TASK_EXECUTION_ROLE, Condition, Resource, Role, Statement
from taskdef.text.i18n import t


def register_conditions(td: TaskDefinition) -> tuple[Condition, ...]:
    """What the deployer may register, read from the file: the IAM condition keys of RegisterTaskDefinition."""
    data, out = td.data, []
    if "cpu" in data:
        out.append(Condition("NumericEquals", "ecs:task-cpu", (data["cpu"],)))
    if "memory" in data:
        out.append(Condition("NumericEquals", "ecs:task-memory", (data["memory"],)))
    if data.get("requiresCompatibilities"):
        out.append(
            Condition("ForAllValues:StringEquals", "ecs:compute-compatibility", tuple(data["requiresCompatibilities"]))
        )
    if not any(c.get("privileged") is True for c in td.containers):
        # A request without the field has no such key, and a negated operator lets it through.
        out.append(Condition("StringNotEquals", "ecs:privileged", ("true",)))
    tags = data.get("tags") or []
    for tag in tags:
        out.append(Condition("StringEquals", f"aws:RequestTag/{tag['key']}", (tag.get("value", ""),)))
    # The deploy's provenance (main.py render): its digest, commit and run differ on every deploy, so only their
    # keys are bound; the writer it names is the deploy, never the stack.
    out.append(Condition("StringEqualsIfExists", f"aws:RequestTag/{PROVENANCE_KEYS[0]}", (DEPLOY_WRITER,)))
    out.append(
        Condition("ForAllValues:StringEquals", "aws:TagKeys", tuple(tag["key"] for tag in tags) + PROVENANCE_KEYS)
    )
    return tuple(out)


def deployer_statements(td: TaskDefinition, settings: Settings, roles: tuple[Role, ...]) -> list[Statement]:
    acct, region, part = settings.account_id, settings.region, settings.partition
    family_arn = f"arn:{part}:ecs:{region}:{acct}:task-definition/{td.family}:*"
    out = [
        Statement(
            "EcsRegisterTaskDefinitionFamily",
            ("ecs:RegisterTaskDefinition",),
            (Resource(family_arn),),
            (t("plan.register", family=td.family),),
            conditions=register_conditions(td),
        ),
        Statement(
            "EcsReadTaskDefinitions",
            ("ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions"),
            (Resource.any(),),
            (t("plan.read_back", family=td.family),),
        ),
    ]
    # Every revision the deploy registers carries its provenance tags, and the file's where it has any.
    out.append(
        Statement(
            "EcsTagTaskDefinitionOnRegister",
            ("ecs:TagResource",),
            (Resource(family_arn),),
            (t("plan.tag_on_register"),),
            conditions=(Condition("StringEquals", "ecs:CreateAction", ("RegisterTaskDefinition",)),),
        )
    )
    if roles:
        out.append(
            Statement(
                "PassTaskRolesToEcsTasks",
                ("iam:PassRole",),
                tuple(Resource(r.arn, ref=f"role:{r.arn}") for r in roles),
                tuple(t("plan.pass_role", field=f, arn=r.arn) for r in roles for f in r.field_names),
                conditions=(Condition("StringEquals", "iam:PassedToService", (ECS_TASKS,)),),
            )
        )
    return out + run_statements(td, settings, roles)


def run_statements(td: TaskDefinition, settings: Settings, roles: tuple[Role, ...] = ()) -> list[Statement]:
    """settings deployer.run: deploy what the deployer registers to the services, and run it as one-off tasks.

    Which condition keys each action takes is the Service Authorization Reference's (ECS): UpdateService
    takes ecs:task-definition, RunTask ecs:cluster (its resource is the task definition), StopTask
    aws:ResourceTag; DescribeServices and DescribeTasks are scoped by their resource ARN alone. UpdateService's
    family condition lets a rollback point a service back at an earlier revision of the family, and nothing else.
    """
    run = settings.deployer.run
    if run is None:
        return []
    acct, region, part = settings.account_id, settings.region, settings.partition
    prefix = f"arn:{part}:ecs:{region}:{acct}"
    family_arn = f"{prefix}:task-definition/{td.family}:*"
    out: list[Statement] = []
    if run.services:
        services = tuple(Resource(f"{prefix}:service/{run.cluster}/{name}") for name in run.services)
        named = [t("plan.run_service", index=i, name=name, cluster=run.cluster) for i, name in enumerate(run.services)]
        out.append(
            Statement(
                "EcsDeployServices",
                ("ecs:UpdateService",),
                services,
                tuple(t("plan.run_update", named=n, family=td.family) for n in named),
                conditions=(Condition("ArnLike", "ecs:task-definition", (family_arn,)),),
            )
        )
        out.append(
            Statement(
                "EcsDescribeDeployedServices",
                ("ecs:DescribeServices",),
                services,
                tuple(t("plan.run_describe_wait" if run.wait else "plan.run_describe", named=n) for n in named),
            )
        )
    if run.run_task:
        tasks = Resource(f"{prefix}:task/{run.cluster}/*")
        out.append(
            Statement(
                "EcsRunTasksOnCluster",
                ("ecs:RunTask",),
                (Resource(family_arn),),
                (t("plan.run_task", family=td.family, cluster=run.cluster),),
                conditions=(Condition("ArnEquals", "ecs:cluster", (f"{prefix}:cluster/{run.cluster}",)),),
            )
        )
        tags = td.data.get("tags") or []
        if run.wait:
            out.append(
                Statement(
                    "EcsDescribeTasksOnCluster",
                    ("ecs:DescribeTasks",),
                    (tasks,),
                    (t("plan.run_wait", cluster=run.cluster),),
                )
            )
        out.append(
            Statement(
                "EcsStopTasksOnCluster",
                ("ecs:StopTask",),
                (tasks,),
                (t("plan.run_stop_tagged" if tags else "plan.run_stop_any", cluster=run.cluster),),
                conditions=tuple(
                    Condition("StringEquals", f"aws:ResourceTag/{tag['key']}", (tag.get("value", ""),)) for tag in tags
                ),
            )
        )
        if tags:
            out.append(
                Statement(
                    "EcsTagTasksOnRunTask",
                    ("ecs:TagResource",),
                    (tasks,),
                    (t("plan.run_tag"),),
                    conditions=(Condition("StringEquals", "ecs:CreateAction", ("RunTask",)),),
                )
            )
    pulled = _pulled_repositories(roles)
    if pulled:
        out.append(
            Statement(
                "EcrDescribeDeployedImages",
                ("ecr:DescribeImages",),
                tuple(r for r, _ in pulled),
                tuple(t("plan.run_describe_image", repository=name) for _, name in pulled),
            )
        )
    return out


def _pulled_repositories(roles: tuple[Role, ...]) -> list[tuple[Resource, str]]:
    """The ECR repositories the execution role may pull from, as the plan grants them (EcrPullImages), with their
    names: the only ones the deployer may deploy an image of, so the only ones whose images it reads."""
    out: list[tuple[Resource, str]] = []
    for role in roles:
        if TASK_EXECUTION_ROLE in role.keys:
            for statement in role.statements:
                if statement.sid == "EcrPullImages":
                    out += [(r, r.arn.split(":repository/", 1)[1]) for r in statement.resources]
    return out
