"""Permission plan: who needs what, and why, derived from one task definition.

The stack, the permissions report and the standalone deployer policy all read
this one plan, so they cannot drift apart.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from . import arns
from .errors import warning_line
from .i18n import t
from .loader import TaskDefinition
from .settings import Settings

ECS_TASKS = "ecs-tasks.amazonaws.com"
TASK_EXECUTION_ROLE = "task_execution_role"
TASK_ROLE = "task_role"
ROLE_FIELDS = {TASK_EXECUTION_ROLE: "executionRoleArn", TASK_ROLE: "taskRoleArn"}
# The role names the ECS console and AWS's guides create: other task definitions in an account use them too.
SHARED_DEFAULT_ROLE_NAMES = ("ecsTaskExecutionRole", "ecsTaskRole")


@dataclass(frozen=True)
class Resource:
    arn: str  # concrete ARN or ARN pattern, as an IAM administrator would write it
    ref: str | None = None  # stack object whose ARN the stack references instead
    suffix: str = ""  # appended to the referenced ARN

    @staticmethod
    def any() -> "Resource":
        return Resource("*")


@dataclass(frozen=True)
class Condition:
    test: str
    variable: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[Resource, ...]
    reasons: tuple[str, ...]
    conditions: tuple[Condition, ...] = ()
    service_principals: tuple[str, ...] = ()  # trust policies only

    def document(self, resolve: Callable[[Resource], str] | None = None) -> dict[str, Any]:
        """The statement in IAM JSON with concrete ARNs (``resolve``: the ARN each resource has in an account)."""
        out: dict[str, Any] = {"Sid": self.sid, "Effect": "Allow"}
        if self.service_principals:
            out["Principal"] = {"Service": list(self.service_principals)}
        out["Action"] = list(self.actions)
        if self.resources:
            out["Resource"] = list(dict.fromkeys((resolve or _arn)(r) for r in self.resources))
        if self.conditions:
            cond: dict[str, dict[str, list[str]]] = {}
            for c in self.conditions:
                cond.setdefault(c.test, {})[c.variable] = list(c.values)
            out["Condition"] = cond
        return out


def _arn(resource: Resource) -> str:
    return resource.arn


def policy_document(statements: tuple[Statement, ...], resolve: Callable[[Resource], str] | None = None
                    ) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [s.document(resolve) for s in statements]}


@dataclass(frozen=True)
class Role:
    key: str  # TASK_EXECUTION_ROLE or TASK_ROLE: which field of the file names it
    field_name: str  # "executionRoleArn" or "taskRoleArn"
    arn: str
    name: str
    path: str
    statements: tuple[Statement, ...]
    # False for a role named in roles.pass_only: the deployer may pass it, nothing else.
    attach_policies: bool = True
    also_used_as: tuple[str, ...] = ()  # the same ARN serving as the other role too
    policy_name: str = ""  # name of the inline policy the stack attaches
    trust: Statement | None = None  # the trust statement, as AWS documents it for this use of the role
    # What does not fit in the inline policy's 10,240 characters: a managed policy of the stack's own,
    # attached to the role (taskdef/quotas.py fit_plan); empty when the inline policy fits.
    overflow_statements: tuple[Statement, ...] = ()
    overflow_policy_name: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key, *self.also_used_as)

    @property
    def shared_default_name(self) -> bool:
        """True for the names the ECS console creates, which other services in the account use too."""
        return self.name in SHARED_DEFAULT_ROLE_NAMES

    @property
    def field_names(self) -> tuple[str, ...]:
        """The fields of the file that name this role."""
        return (self.field_name, *(ROLE_FIELDS[k] for k in self.also_used_as))


@dataclass(frozen=True)
class LogGroup:
    name: str
    arn: str
    used_by: tuple[str, ...]  # JSON paths of the awslogs-group options naming it
    # JSON paths of the awslogs-create-group options that are "true" for it: the driver then calls CreateLogGroup.
    created_by_driver: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuntimeSecret:
    name: str
    arn_pattern: str


@dataclass(frozen=True)
class Deployer:
    kind: str  # "user" or "role": the IAM principal the deployer policy is attached to
    name: str
    arn: str
    policy_name: str
    attach: bool
    statements: tuple[Statement, ...]

    # Callers written for the user deployer keep working; for a role deployer the user fields are None.
    @property
    def user_name(self) -> str | None:
        return self.name if self.kind == "user" else None

    @property
    def role_name(self) -> str | None:
        return self.name if self.kind == "role" else None


@dataclass(frozen=True)
class Plan:
    settings: Settings
    task_definition: TaskDefinition
    roles: tuple[Role, ...]
    log_groups: tuple[LogGroup, ...]
    runtime_secrets: tuple[RuntimeSecret, ...]
    deployer: Deployer
    warnings: tuple[str, ...] = field(default=())

    def role(self, key: str) -> Role | None:
        for r in self.roles:
            if r.key == key or key in r.also_used_as:
                return r
        return None

    def log_group_for(self, name: str) -> LogGroup:
        return next(g for g in self.log_groups if g.name == name)


def _grouped(items: list[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(resource, reason) pairs -> unique resources in order, and their reasons."""
    resources = tuple(dict.fromkeys(r for r, _ in items))
    return resources, tuple(reason for _, reason in items)


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
    return tuple(LogGroup(name, arns.log_group_arn(name, account_id=settings.account_id, region=settings.region,
                                                   partition=settings.partition),
                          tuple(paths), tuple(created_by.get(name, ()))) for name, paths in used_by.items())


def _kms_statement(sid: str, settings: Settings, services: set[str], who: str) -> list[Statement]:
    if not settings.secrets_kms_key_arns or not services:
        return []
    return [Statement(
        sid=sid, actions=("kms:Decrypt",), resources=tuple(Resource(a) for a in settings.secrets_kms_key_arns),
        conditions=(Condition("StringEquals", "kms:ViaService",
                              tuple(f"{s}.{settings.region}.amazonaws.com" for s in sorted(services))),),
        reasons=(t("plan.kms", what=t(f"plan.kms_{who}"), services=", ".join(sorted(services))),))]


def _execution_statements(td: TaskDefinition, settings: Settings, log_groups: tuple[LogGroup, ...]) -> list[Statement]:
    out: list[Statement] = []
    ecr = [(img.repository_arn, t("plan.ecr_pull", path=f"containerDefinitions[{i}].image", repository=img.repository))
           for i, c in enumerate(td.containers) if (img := arns.parse_ecr_image(c["image"]))]
    if ecr:
        repos, reasons = _grouped(ecr)
        out.append(Statement("EcrGetAuthorizationToken", ("ecr:GetAuthorizationToken",), (Resource.any(),),
                             reasons + (t("plan.ecr_token"),)))
        out.append(Statement("EcrPullImages", ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
                                                "ecr:BatchGetImage"), tuple(Resource(r) for r in repos), reasons))
    if log_groups:
        out.append(Statement(
            "LogsWriteTaskLogGroups", ("logs:CreateLogStream", "logs:PutLogEvents"),
            tuple(Resource(f"{g.arn}:*", ref=f"log_group:{g.name}", suffix=":*") for g in log_groups),
            tuple(t("plan.logs_write", path=path, group=g.name) for g in log_groups for path in g.used_by)))
    created = [g for g in log_groups if g.created_by_driver]
    if created:
        out.append(Statement(
            "LogsCreateTaskLogGroups", ("logs:CreateLogGroup",),
            # The driver's request names log-group:NAME:log-stream:, which only the ':*' form matches.
            tuple(Resource(f"{g.arn}:*", ref=f"log_group:{g.name}", suffix=":*") for g in created),
            tuple(t("plan.logs_create", path=path, group=g.name) for g in created for path in g.created_by_driver)))
    refs = [(path, arns.parse_secret_reference(value, account_id=settings.account_id, region=settings.region,
                                               partition=settings.partition))
            for path, value in arns.secret_value_paths(td)]
    services = set()
    for service, sid, action in (("secretsmanager", "SecretsManagerReadStartupSecrets", "secretsmanager:GetSecretValue"),
                                 ("ssm", "SsmReadStartupParameters", "ssm:GetParameters")):
        items = [(arn, t("plan.injects", path=path, value_from=ref.value_from)) for path, ref in refs
                 for granted_service, arn in ref.grants if granted_service == service]
        if items:
            services.add(service)
            resources, reasons = _grouped(items)
            out.append(Statement(sid, (action,), tuple(Resource(r) for r in resources), reasons))
    out += _kms_statement("KmsDecryptStartupSecrets", settings, services, "startup")
    files = [(arns.s3_object_and_bucket(f["value"]), t("plan.env_file", path=f"containerDefinitions[{i}].environmentFiles[{j}]",
                                                       value=f["value"]))
             for i, c in enumerate(td.containers) for j, f in enumerate(c.get("environmentFiles", []))]
    if files:
        objects, reasons = _grouped([(obj, why) for (obj, _), why in files])
        buckets, _ = _grouped([(bucket, why) for (_, bucket), why in files])
        out.append(Statement("S3GetEnvironmentFiles", ("s3:GetObject",), tuple(Resource(o) for o in objects), reasons))
        out.append(Statement("S3GetEnvironmentFileBucketLocation", ("s3:GetBucketLocation",),
                             tuple(Resource(b) for b in buckets), reasons))
    return out


def _task_statements(td: TaskDefinition, settings: Settings, secrets: tuple[RuntimeSecret, ...]) -> list[Statement]:
    out: list[Statement] = []
    if secrets:
        named_in = {e["value"]: f"containerDefinitions[{i}].environment[{j}]"
                    for i, c in enumerate(td.containers) for j, e in enumerate(c.get("environment", []))}
        reasons = tuple(t("plan.runtime_secret_named", name=s.name, path=named_in[s.name]) if s.name in named_in
                        else t("plan.runtime_secret", name=s.name) for s in secrets)
        out.append(Statement("SecretsManagerReadRuntimeSecrets",
                             ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
                             tuple(Resource(s.arn_pattern, ref=f"secret:{s.name}") for s in secrets), reasons))
        out += _kms_statement("KmsDecryptRuntimeSecrets", settings, {"secretsmanager"}, "runtime")
    efs: list[tuple[str, str]] = []
    writable: list[tuple[str, str]] = []
    for k, v in enumerate(td.data.get("volumes", [])):
        config = v.get("efsVolumeConfiguration")
        if not config or (config.get("authorizationConfig") or {}).get("iam") != "ENABLED":
            continue
        arn = (f"arn:{settings.partition}:elasticfilesystem:{settings.region}:{settings.account_id}"
               f":file-system/{config['fileSystemId']}")
        efs.append((arn, t("plan.efs_iam", path=f"volumes[{k}].efsVolumeConfiguration.authorizationConfig.iam")))
        for i, c in enumerate(td.containers):
            for j, m in enumerate(c.get("mountPoints", [])):
                if m.get("sourceVolume") == v["name"] and not m.get("readOnly", False):
                    writable.append((arn, t("plan.efs_write", path=f"containerDefinitions[{i}].mountPoints[{j}]",
                                            volume=v["name"])))
    if efs:
        resources, reasons = _grouped(efs)
        out.append(Statement("EfsClientMount", ("elasticfilesystem:ClientMount",), tuple(Resource(r) for r in resources), reasons))
    if writable:
        resources, reasons = _grouped(writable)
        out.append(Statement("EfsClientWrite", ("elasticfilesystem:ClientWrite",), tuple(Resource(r) for r in resources), reasons))
    return out


def trust_statement(keys: tuple[str, ...], settings: Settings) -> Statement:
    """ecs-tasks.amazonaws.com may assume the role: as AWS documents the trust for each use.

    The task role carries aws:SourceAccount and aws:SourceArn (AWS's task IAM role guide); the
    execution role's documented trust has no conditions, so a role that is also the execution
    role keeps that form, or task start-up could fail.
    """
    if TASK_EXECUTION_ROLE in keys:
        return Statement("EcsTasksAssumeExecutionRole", ("sts:AssumeRole",), (), service_principals=(ECS_TASKS,),
                         reasons=(t("plan.trust_execution"),))
    acct, region, part = settings.account_id, settings.region, settings.partition
    return Statement(
        "EcsTasksAssumeRole", ("sts:AssumeRole",), (), service_principals=(ECS_TASKS,),
        conditions=(Condition("StringEquals", "aws:SourceAccount", (acct,)),
                    Condition("ArnLike", "aws:SourceArn", (f"arn:{part}:ecs:{region}:{acct}:*",))),
        reasons=(t("plan.trust_task"),))


def _register_conditions(td: TaskDefinition) -> tuple[Condition, ...]:
    """What the deployer may register, read from the file: the IAM condition keys of RegisterTaskDefinition."""
    data, out = td.data, []
    if "cpu" in data:
        out.append(Condition("NumericEquals", "ecs:task-cpu", (data["cpu"],)))
    if "memory" in data:
        out.append(Condition("NumericEquals", "ecs:task-memory", (data["memory"],)))
    if data.get("requiresCompatibilities"):
        out.append(Condition("ForAllValues:StringEquals", "ecs:compute-compatibility",
                             tuple(data["requiresCompatibilities"])))
    if not any(c.get("privileged") is True for c in td.containers):
        # A request without the field has no such key, and a negated operator lets it through.
        out.append(Condition("StringNotEquals", "ecs:privileged", ("true",)))
    tags = data.get("tags") or []
    for tag in tags:
        out.append(Condition("StringEquals", f"aws:RequestTag/{tag['key']}", (tag.get("value", ""),)))
    if tags:
        out.append(Condition("ForAllValues:StringEquals", "aws:TagKeys", tuple(tag["key"] for tag in tags)))
    return tuple(out)


def _deployer_statements(td: TaskDefinition, settings: Settings, roles: tuple[Role, ...]) -> list[Statement]:
    acct, region, part = settings.account_id, settings.region, settings.partition
    family_arn = f"arn:{part}:ecs:{region}:{acct}:task-definition/{td.family}:*"
    out = [
        Statement("EcsRegisterTaskDefinitionFamily", ("ecs:RegisterTaskDefinition",), (Resource(family_arn),),
                  (t("plan.register", family=td.family),),
                  conditions=_register_conditions(td)),
        Statement("EcsReadTaskDefinitions", ("ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions"),
                  (Resource.any(),),
                  (t("plan.read_back", family=td.family),)),
    ]
    if td.data.get("tags"):
        out.append(Statement(
            "EcsTagTaskDefinitionOnRegister", ("ecs:TagResource",), (Resource(family_arn),),
            (t("plan.tag_on_register"),),
            conditions=(Condition("StringEquals", "ecs:CreateAction", ("RegisterTaskDefinition",)),)))
    if roles:
        out.append(Statement(
            "PassTaskRolesToEcsTasks", ("iam:PassRole",),
            tuple(Resource(r.arn, ref=f"role:{r.arn}") for r in roles),
            tuple(t("plan.pass_role", field=f, arn=r.arn) for r in roles for f in r.field_names),
            conditions=(Condition("StringEquals", "iam:PassedToService", (ECS_TASKS,)),)))
    return out + _run_statements(td, settings)


def _run_statements(td: TaskDefinition, settings: Settings) -> list[Statement]:
    """settings deployer.run: deploy what the deployer registers to the services, and run it as one-off tasks.

    Which condition keys each action takes is the Service Authorization Reference's (ECS): UpdateService
    takes ecs:task-definition, RunTask ecs:cluster (its resource is the task definition), StopTask
    aws:ResourceTag; DescribeServices and DescribeTasks are scoped by their resource ARN alone.
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
        out.append(Statement(
            "EcsDeployServices", ("ecs:UpdateService",), services,
            tuple(t("plan.run_update", named=n, family=td.family) for n in named),
            conditions=(Condition("ArnLike", "ecs:task-definition", (family_arn,)),)))
        out.append(Statement(
            "EcsDescribeDeployedServices", ("ecs:DescribeServices",), services,
            tuple(t("plan.run_describe_wait" if run.wait else "plan.run_describe", named=n) for n in named)))
    if run.run_task:
        tasks = Resource(f"{prefix}:task/{run.cluster}/*")
        out.append(Statement(
            "EcsRunTasksOnCluster", ("ecs:RunTask",), (Resource(family_arn),),
            (t("plan.run_task", family=td.family, cluster=run.cluster),),
            conditions=(Condition("ArnEquals", "ecs:cluster", (f"{prefix}:cluster/{run.cluster}",)),)))
        tags = td.data.get("tags") or []
        if run.wait:
            out.append(Statement(
                "EcsDescribeTasksOnCluster", ("ecs:DescribeTasks",), (tasks,),
                (t("plan.run_wait", cluster=run.cluster),)))
        out.append(Statement(
            "EcsStopTasksOnCluster", ("ecs:StopTask",), (tasks,),
            (t("plan.run_stop_tagged" if tags else "plan.run_stop_any", cluster=run.cluster),),
            conditions=tuple(Condition("StringEquals", f"aws:ResourceTag/{tag['key']}", (tag.get("value", ""),))
                             for tag in tags)))
        if tags:
            out.append(Statement(
                "EcsTagTasksOnRunTask", ("ecs:TagResource",), (tasks,),
                (t("plan.run_tag"),),
                conditions=(Condition("StringEquals", "ecs:CreateAction", ("RunTask",)),)))
    return out


def build_plan(td: TaskDefinition, settings: Settings, *, warnings: tuple[str, ...] = ()) -> Plan:
    acct, region, part = settings.account_id, settings.region, settings.partition
    log_groups = _log_groups(td, settings)
    secrets = tuple(RuntimeSecret(n, arns.runtime_secret_arn(n, account_id=acct, region=region, partition=part))
                    for n in settings.runtime_secrets) if td.task_role_arn else ()
    extra_warnings = list(warnings)
    if settings.runtime_secrets and not td.task_role_arn:
        extra_warnings.append(warning_line(td.source, "taskRoleArn", t("plan.no_task_role",
                                                                        secrets=", ".join(settings.runtime_secrets))))

    roles: dict[str, Role] = {}
    for key, field_name, statements in (
            (TASK_EXECUTION_ROLE, "executionRoleArn", lambda: _execution_statements(td, settings, log_groups)),
            (TASK_ROLE, "taskRoleArn", lambda: _task_statements(td, settings, secrets))):
        arn = td.data.get(field_name)
        if not arn:
            continue
        parsed = arns.parse_role_arn(arn)
        if arn in roles:  # one role serving both purposes gets both policies
            first = roles[arn]
            roles[arn] = dataclasses.replace(first, statements=first.statements + tuple(statements()),
                                             also_used_as=(key,))
            continue
        roles[arn] = Role(key, field_name, arn, parsed.name, parsed.path, tuple(statements()),
                          attach_policies=parsed.name not in settings.roles.pass_only,
                          policy_name=f"{td.family}-{key.replace('_', '-')}")
    planned = tuple(dataclasses.replace(r, trust=trust_statement(r.keys, settings)) for r in roles.values())
    d = settings.deployer
    deployer = Deployer(d.kind, d.name, f"arn:{part}:iam::{acct}:{d.kind}/{d.name}", d.policy_name, d.attach,
                        tuple(_deployer_statements(td, settings, planned)))
    return Plan(settings, td, planned, log_groups, secrets, deployer, tuple(extra_warnings))
