"""What AWS will ask, derived from the task definition file and the settings alone.

This model never reads the permission plan: it states the authorization requests that
registering and running the task make, each as IAM evaluates it (principal, action, the
resource ARN that AccessDenied messages show, and the condition keys the service sends),
plus the near misses that a least-privilege policy must deny. The proof in ``authz``
evaluates both against the generated policies, so a wrong assumption in the plan shows
up as a denied request or an allowed near miss.

Sources: the Service Authorization Reference (actions, resource types, condition keys) and
the resource ARNs in public AccessDenied messages (the awslogs driver's CreateLogGroup on
``log-group:NAME:log-stream:``; a secret by its full ARN with the 6-character suffix).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from .arns import secret_value_paths  # where the file names secrets: a walk of the file, not the plan
from .i18n import t
from .loader import TaskDefinition
from .settings import Settings

ECS_TASKS = "ecs-tasks.amazonaws.com"
DEPLOYER = "deployer"
TASK_EXECUTION_ROLE = "task_execution_role"
TASK_ROLE = "task_role"

# Sample values where AWS fills in something the file cannot know.
SECRET_SUFFIX = "AbC123"  # Secrets Manager appends '-' and six random characters to a secret's name
REVISION = 1  # the revision that RegisterTaskDefinition creates
TASK_ID = "0123456789abcdef0123456789abcdef"
COMPATIBILITIES = ("FARGATE", "EC2", "EXTERNAL", "MANAGED_INSTANCES")
_PARTIAL_SECRET = re.compile(r"-[A-Za-z0-9]{6}\Z")

Context = Mapping[str, "str | tuple[str, ...]"]


@dataclass(frozen=True)
class Request:
    """One authorization request, as IAM evaluates it.

    ``principal`` is the caller's ARN, or the service principal for a trust request. ``role`` names
    whose policies decide it: DEPLOYER, or a role ARN; for ``trust`` requests, the role whose
    trust policy decides it.
    """

    role: str
    principal: str
    action: str
    resource: str
    context: tuple[tuple[str, "str | tuple[str, ...]"], ...] = ()
    why: str = ""  # what in the file or settings makes AWS ask it; for a near miss, how it differs
    trust: bool = False
    kind: str = ""  # near misses: the category ("another family", ...)

    @property
    def context_dict(self) -> dict[str, "str | list[str]"]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.context}

    @property
    def label(self) -> str:
        keys = ", ".join(f"{k}={','.join(v) if isinstance(v, tuple) else v}" for k, v in self.context)
        return f"{self.action} on {self.resource}" + (f" [{keys}]" if keys else "")


@dataclass(frozen=True)
class RequestModel:
    deployer_arn: str
    required: tuple[Request, ...]
    near_misses: tuple[Request, ...]
    # Role ARN -> the purposes it serves (TASK_EXECUTION_ROLE, TASK_ROLE), from the file's fields.
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class _Builder:
    def __init__(self, td: TaskDefinition, settings: Settings, deployer_arn: str) -> None:
        self.td, self.s = td, settings
        self.part, self.acct, self.region = settings.partition, settings.account_id, settings.region
        self.deployer_arn = deployer_arn
        self.required: list[Request] = []
        self.near: list[Request] = []

    # --- helpers ---------------------------------------------------------------------------
    def need(self, role: str, principal: str, action: str, resource: str, why: str, context=(), trust=False) -> None:
        self.required.append(Request(role, principal, action, resource, tuple(context), why, trust))

    def deny(self, role: str, principal: str, action: str, resource: str, kind: str, why: str, context=(),
             trust=False) -> None:
        self.near.append(Request(role, principal, action, resource, tuple(context), why, trust, kind))

    def task_definition_arn(self, family: str) -> str:
        return f"arn:{self.part}:ecs:{self.region}:{self.acct}:task-definition/{family}:{REVISION}"

    def secret_arn(self, name: str, *, region: str | None = None, account: str | None = None) -> str:
        return (f"arn:{self.part}:secretsmanager:{region or self.region}:{account or self.acct}"
                f":secret:{name}-{SECRET_SUFFIX}")

    # --- deployer ----------------------------------------------------------------------------
    def deployer(self, roles: Mapping[str, tuple[str, ...]]) -> None:
        d, td = self.deployer_arn, self.td
        data = td.data
        register = self.task_definition_arn(td.family)
        tags = [(t["key"], t.get("value", "")) for t in data.get("tags") or []]
        base: dict[str, Any] = {}
        if "cpu" in data:
            base["ecs:task-cpu"] = str(int(data["cpu"]))  # the loader converted "1 vCPU" to 1024
        if "memory" in data:
            base["ecs:task-memory"] = str(int(data["memory"]))
        if data.get("requiresCompatibilities"):
            base["ecs:compute-compatibility"] = tuple(data["requiresCompatibilities"])
        privileged = any(c.get("privileged") is True for c in td.containers)
        tag_ctx = {**{f"aws:RequestTag/{k}": v for k, v in tags}, **({"aws:TagKeys": tuple(k for k, _ in tags)} if tags else {})}
        if privileged:
            self.need(DEPLOYER, d, "ecs:RegisterTaskDefinition", register,
                      t("requests.register_privileged", family=td.family),
                      {**base, "ecs:privileged": "true", **tag_ctx}.items())
        else:
            # Whether ECS sends ecs:privileged=false or no key at all is not documented: both must pass.
            self.need(DEPLOYER, d, "ecs:RegisterTaskDefinition", register,
                      t("requests.register_privileged_false", family=td.family),
                      {**base, "ecs:privileged": "false", **tag_ctx}.items())
            self.need(DEPLOYER, d, "ecs:RegisterTaskDefinition", register,
                      t("requests.register_privileged_absent", family=td.family),
                      {**base, **tag_ctx}.items())
        if tags:
            self.need(DEPLOYER, d, "ecs:TagResource", register,
                      t("requests.deployer_5"),
                      {"ecs:CreateAction": "RegisterTaskDefinition", **tag_ctx}.items())
        for arn, purposes in roles.items():
            self.need(DEPLOYER, d, "iam:PassRole", arn,
                      t("requests.deployer_6", items=', '.join(_FIELDS[p] for p in purposes)),
                      {"iam:PassedToService": ECS_TASKS}.items())
        self.need(DEPLOYER, d, "ecs:DescribeTaskDefinition", "*", t("requests.deployer_1"))
        self.need(DEPLOYER, d, "ecs:ListTaskDefinitions", "*", t("requests.deployer_2"))

        # Near misses: what the CI user must not be able to do with the same policy.
        ok = {**base, "ecs:privileged": "true" if privileged else "false", **tag_ctx}
        for family, kind in ((f"{td.family}2", t("requests.kind_extends_family")),
                             ("other-service", t("requests.deployer_20"))):
            self.deny(DEPLOYER, d, "ecs:RegisterTaskDefinition", self.task_definition_arn(family), kind,
                      t("requests.deployer_7", family=family), ok.items())
        if "ecs:task-cpu" in base:
            self.deny(DEPLOYER, d, "ecs:RegisterTaskDefinition", register, t("requests.deployer_8"), t("requests.deployer_9"),
                      {**ok, "ecs:task-cpu": str(int(base["ecs:task-cpu"]) * 2)}.items())
        if "ecs:task-memory" in base:
            self.deny(DEPLOYER, d, "ecs:RegisterTaskDefinition", register, t("requests.deployer_10"), t("requests.deployer_11"),
                      {**ok, "ecs:task-memory": str(int(base["ecs:task-memory"]) * 2)}.items())
        if "ecs:compute-compatibility" in base:
            other = next(c for c in COMPATIBILITIES if c not in base["ecs:compute-compatibility"])
            self.deny(DEPLOYER, d, "ecs:RegisterTaskDefinition", register, t("requests.deployer_12"),
                      t("requests.deployer_13", other=other), {**ok, "ecs:compute-compatibility": (other,)}.items())
        if not privileged:
            self.deny(DEPLOYER, d, "ecs:RegisterTaskDefinition", register, t("requests.deployer_14"),
                      t("requests.deployer_15"), {**ok, "ecs:privileged": "true"}.items())
        if tags:
            k0 = tags[0][0]
            for k, v in tags:
                rest = tuple(key for key, _ in tags if key != k)
                missing = {key: val for key, val in ok.items() if key not in (f"aws:RequestTag/{k}", "aws:TagKeys")}
                if rest:
                    missing["aws:TagKeys"] = rest
                self.deny(DEPLOYER, d, "ecs:RegisterTaskDefinition", register, t("requests.deployer_28"), t("requests.deployer_29", k=k),
                          missing.items())
                self.deny(DEPLOYER, d, "ecs:RegisterTaskDefinition", register, t("requests.deployer_30"),
                          t("requests.deployer_31", k=k, v=v), {**ok, f"aws:RequestTag/{k}": f"{v}-other"}.items())
            extra = f"{k0}Extra"
            self.deny(DEPLOYER, d, "ecs:RegisterTaskDefinition", register, t("requests.deployer_16"), t("requests.deployer_17", extra=extra),
                      {**ok, f"aws:RequestTag/{extra}": "x", "aws:TagKeys": (*ok["aws:TagKeys"], extra)}.items())
            self.deny(DEPLOYER, d, "ecs:TagResource", register, t("requests.deployer_18"),
                      t("requests.deployer_19"), tag_ctx.items())
            self.deny(DEPLOYER, d, "ecs:TagResource", self.task_definition_arn("other-service"), t("requests.deployer_20"),
                      t("requests.deployer_21"),
                      {"ecs:CreateAction": "RegisterTaskDefinition", **tag_ctx}.items())
        else:
            self.deny(DEPLOYER, d, "ecs:TagResource", register, t("requests.deployer_22"),
                      t("requests.deployer_23"),
                      {"ecs:CreateAction": "RegisterTaskDefinition", "aws:RequestTag/Owner": "x",
                       "aws:TagKeys": ("Owner",)}.items())
        for arn in roles:
            for service in ("lambda.amazonaws.com", "ec2.amazonaws.com"):
                self.deny(DEPLOYER, d, "iam:PassRole", arn, t("requests.trust_2"), t("requests.deployer_33", service=service),
                          {"iam:PassedToService": service}.items())
            self.deny(DEPLOYER, d, "iam:PutRolePolicy", arn, t("requests.deployer_3"), t("requests.deployer_25"))
        for name, kind in ((_sibling_role(next(iter(roles), "")), t("requests.kind_extends_role")),
                           ("Admin", t("requests.kind_another_role"))):
            if name:
                self.deny(DEPLOYER, d, "iam:PassRole", f"arn:{self.part}:iam::{self.acct}:role/{name}", kind,
                          t("requests.deployer_34", name=name), {"iam:PassedToService": ECS_TASKS}.items())
        # DeregisterTaskDefinition supports no resource-level permissions: IAM evaluates it on '*'.
        self.deny(DEPLOYER, d, "ecs:DeregisterTaskDefinition", "*", t("requests.deployer_3"),
                  t("requests.deployer_4"))
        run = self.s.deployer.run
        if run is None or not run.run_task:
            self.deny(DEPLOYER, d, "ecs:RunTask", register, t("requests.deployer_3"), t("requests.deployer_27"))
        if run is not None:
            self.deploy(roles, tags, tag_ctx)

    # --- deployer: deploy and run (settings deployer.run) ---------------------------------------
    def deploy(self, roles: Mapping[str, tuple[str, ...]], tags: list[tuple[str, str]], tag_ctx: Mapping[str, Any]
               ) -> None:
        """The calls of aws-actions/amazon-ecs-deploy-task-definition after RegisterTaskDefinition, in its order:
        with run-task, RunTask (tags passed: TagResource) then DescribeTasks while it waits for the task to
        stop; with a service, DescribeServices (the deployment controller), UpdateService, then DescribeServices
        until the service is stable. ECS sends ecs:cluster with each of them (Service Authorization Reference)."""
        d, td, run = self.deployer_arn, self.td, self.s.deployer.run
        assert run is not None
        prefix = f"arn:{self.part}:ecs:{self.region}:{self.acct}"
        cluster, other_cluster = f"{prefix}:cluster/{run.cluster}", f"{prefix}:cluster/{run.cluster}-other"
        revision = self.task_definition_arn(td.family)
        task = f"{prefix}:task/{run.cluster}/{TASK_ID}"
        on = {"ecs:cluster": cluster}
        if run.run_task:
            self.need(DEPLOYER, d, "ecs:RunTask", revision, t("requests.deploy_1", family=td.family, cluster=run.cluster), {**on, **tag_ctx}.items())
            if tags:
                self.need(DEPLOYER, d, "ecs:TagResource", task, t("requests.deploy_21"), {"ecs:CreateAction": "RunTask", **tag_ctx}.items())
            for arn, purposes in roles.items():
                self.need(DEPLOYER, d, "iam:PassRole", arn, t("requests.deploy_22", items=', '.join(_FIELDS[p] for p in purposes)), {"iam:PassedToService": ECS_TASKS}.items())
            if run.wait:
                self.need(DEPLOYER, d, "ecs:DescribeTasks", task, t("requests.deploy_23"), on.items())
            resource_tags = {f"aws:ResourceTag/{k}": v for k, v in tags}
            self.need(DEPLOYER, d, "ecs:StopTask", task, t("requests.deploy_2"),
                      {**on, **resource_tags}.items())
            self.deny(DEPLOYER, d, "ecs:RunTask", revision, t("requests.deploy_3"), t("requests.deploy_4", cluster=run.cluster),
                      {"ecs:cluster": other_cluster, **tag_ctx}.items())
            self.deny(DEPLOYER, d, "ecs:RunTask", self.task_definition_arn("other-service"), t("requests.deployer_20"),
                      t("requests.deploy_6"), {**on, **tag_ctx}.items())
            other_task = f"{prefix}:task/{run.cluster}-other/{TASK_ID}"
            self.deny(DEPLOYER, d, "ecs:StopTask", other_task, t("requests.deploy_3"), t("requests.deploy_8"),
                      {"ecs:cluster": other_cluster, **resource_tags}.items())
            if run.wait:
                self.deny(DEPLOYER, d, "ecs:DescribeTasks", other_task, t("requests.deploy_3"),
                          t("requests.deploy_25"), {"ecs:cluster": other_cluster}.items())
            for k, v in tags:
                self.deny(DEPLOYER, d, "ecs:StopTask", task, t("requests.deploy_26"),
                          t("requests.deploy_27", k=k, v=v), {**on, **resource_tags,
                                                                        f"aws:ResourceTag/{k}": f"{v}-other"}.items())
            if tags:
                self.deny(DEPLOYER, d, "ecs:TagResource", task, t("requests.deploy_28"),
                          t("requests.deploy_29"), tag_ctx.items())
                self.deny(DEPLOYER, d, "ecs:TagResource", other_task, t("requests.deploy_3"),
                          t("requests.deploy_31"), {"ecs:CreateAction": "RunTask", **tag_ctx}.items())
            self.deny(DEPLOYER, d, "iam:PassRole", f"arn:{self.part}:iam::{self.acct}:role/{td.family}-override",
                      t("requests.deploy_9"), t("requests.deploy_10"),
                      {"iam:PassedToService": ECS_TASKS}.items())
        for i, name in enumerate(run.services):
            service = f"{prefix}:service/{run.cluster}/{name}"
            named = t("requests.named_service", index=i, name=name)
            self.need(DEPLOYER, d, "ecs:DescribeServices", service,
                      t("requests.deploy_11", named=named), on.items())
            self.need(DEPLOYER, d, "ecs:UpdateService", service, t("requests.deploy_12", named=named),
                      {**on, "ecs:task-definition": revision}.items())
            if run.wait:
                self.need(DEPLOYER, d, "ecs:DescribeServices", service,
                          t("requests.deploy_32", named=named), on.items())
            deploy = {**on, "ecs:task-definition": revision}
            self.deny(DEPLOYER, d, "ecs:UpdateService", f"{prefix}:service/{run.cluster}-other/{name}",
                      t("requests.deploy_3"), t("requests.deploy_14", name=name, cluster=run.cluster),
                      {**deploy, "ecs:cluster": other_cluster}.items())
            self.deny(DEPLOYER, d, "ecs:DescribeServices", f"{prefix}:service/{run.cluster}-other/{name}",
                      t("requests.deploy_3"), t("requests.deploy_16", name=name, cluster=run.cluster),
                      {"ecs:cluster": other_cluster}.items())
            for family, kind in ((f"{td.family}2", t("requests.kind_extends_family")),
                                 ("other-service", t("requests.deployer_20"))):
                self.deny(DEPLOYER, d, "ecs:UpdateService", service, kind, t("requests.deploy_33", name=name, family=family),
                          {**on, "ecs:task-definition": self.task_definition_arn(family)}.items())
            self.deny(DEPLOYER, d, "ecs:UpdateService", service, t("requests.deploy_17"),
                      t("requests.deploy_18"), on.items())
            for action in ("ecs:CreateService", "ecs:DeleteService"):
                self.deny(DEPLOYER, d, action, service, t("requests.deploy_34"), action.split(":")[1],
                          deploy.items() if action == "ecs:CreateService" else on.items())
        if run.services:
            self.deny(DEPLOYER, d, "ecs:UpdateService", f"{prefix}:service/{run.cluster}/other-service",
                      t("requests.trust_2"), t("requests.deploy_20"),
                      {**on, "ecs:task-definition": revision}.items())

    # --- execution role ----------------------------------------------------------------------
    def execution_role(self, arn: str) -> None:
        td = self.td
        repositories: dict[str, str] = {}
        for i, c in enumerate(td.containers):
            repo = _ecr_repository(c["image"], self.part)
            if repo:
                repositories.setdefault(repo, f"containerDefinitions[{i}].image")
        if repositories:
            self.need(arn, arn, "ecr:GetAuthorizationToken", "*", t("requests.execution_role_1"))
        for repo, path in repositories.items():
            for action in ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"):
                self.need(arn, arn, action, repo, t("requests.execution_role_12", path=path))
            self.deny(arn, arn, "ecr:BatchGetImage", repo + "-other", t("requests.execution_role_2"), t("requests.execution_role_3"))
            self.deny(arn, arn, "ecr:PutImage", repo, t("requests.execution_role_4"), t("requests.execution_role_5"))
        for group in _log_groups(td, self.s):
            stream = f"{group.arn}:log-stream:{group.stream}"
            self.need(arn, arn, "logs:CreateLogStream", stream, t("requests.execution_role_6", path=group.path))
            self.need(arn, arn, "logs:PutLogEvents", stream, t("requests.execution_role_7", path=group.path))
            create = f"{group.arn}:log-stream:"
            if group.create:
                self.need(arn, arn, "logs:CreateLogGroup", create,
                          t("requests.execution_role_13", create=group.create))
            else:
                self.deny(arn, arn, "logs:CreateLogGroup", create, t("requests.execution_role_14"),
                          t("requests.execution_role_15"))
            sibling = group.arn.rsplit(":", 1)[0] + f":{group.name}2"
            self.deny(arn, arn, "logs:PutLogEvents", f"{sibling}:log-stream:{group.stream}", t("requests.execution_role_8"),
                      t("requests.execution_role_9"))
            self.deny(arn, arn, "logs:DeleteLogGroup", group.arn, t("requests.execution_role_10"), t("requests.execution_role_11"))
        seen: set[tuple[str, str]] = set()
        services: set[str] = set()
        for path, value in secret_value_paths(td):
            for action, resource, sibling in self._startup_secret(value):
                services.add(action.split(":")[0])
                if (action, resource) not in seen:
                    seen.add((action, resource))
                    self.need(arn, arn, action, resource, t("requests.execution_role_20", path=path, value=value))
                    self.deny(arn, arn, action, sibling, t("requests.task_role_1"), t("requests.task_role_2"))
        self._kms(arn, services, t("plan.kms_startup"))
        for i, c in enumerate(td.containers):
            for j, f in enumerate(c.get("environmentFiles", [])):
                m = re.fullmatch(r"arn:([a-z-]+):s3:::([^/]+)/(.+)", f["value"])
                if not m:
                    continue
                path = f"containerDefinitions[{i}].environmentFiles[{j}]"
                bucket = f"arn:{m.group(1)}:s3:::{m.group(2)}"
                self.need(arn, arn, "s3:GetObject", f["value"], t("requests.execution_role_16", path=path))
                self.need(arn, arn, "s3:GetBucketLocation", bucket, t("requests.execution_role_17", path=path))
                self.deny(arn, arn, "s3:GetObject", f"{bucket}/other.env", t("requests.execution_role_18"), t("requests.execution_role_19"))

    def _startup_secret(self, value: str) -> Iterator[tuple[str, str, str]]:
        """(action, resource as IAM sees it, a sibling resource) for one valueFrom."""
        m = re.fullmatch(r"arn:([a-z-]+):secretsmanager:([a-z0-9-]+):(\d{12}):secret:([^:]+)(:.*)?", value)
        if m:
            part, region, account, name = m.group(1), m.group(2), m.group(3), m.group(4)
            base = f"arn:{part}:secretsmanager:{region}:{account}:secret:"
            # A name that ends like a suffix is taken as the full ARN; otherwise ECS resolves the partial ARN.
            full = f"{base}{name}" if _PARTIAL_SECRET.search(name) else f"{base}{name}-{SECRET_SUFFIX}"
            stem = name[:-7] if _PARTIAL_SECRET.search(name) else name
            yield "secretsmanager:GetSecretValue", full, f"{base}{stem}0-{SECRET_SUFFIX}"
            return
        m = re.fullmatch(r"arn:([a-z-]+):ssm:([a-z0-9-]+):(\d{12}):parameter/(.+)", value)
        if m:
            part, region, account, name = m.groups()
        else:
            part, region, account, name = self.part, self.region, self.acct, value.lstrip("/")
        parameter = f"arn:{part}:ssm:{region}:{account}:parameter/{name}"
        yield "ssm:GetParameters", parameter, parameter + "0"
        if name.startswith("aws/reference/secretsmanager/"):
            secret = name[len("aws/reference/secretsmanager/"):]
            yield ("secretsmanager:GetSecretValue", self.secret_arn(secret, region=region, account=account),
                   self.secret_arn(secret + "0", region=region, account=account))

    def _kms(self, arn: str, services: set[str], what: str) -> None:
        for key in self.s.secrets_kms_key_arns:
            for service in sorted(services):
                self.need(arn, arn, "kms:Decrypt", key, t("requests.kms_1", service=service, what=what),
                          {"kms:ViaService": f"{service}.{self.region}.amazonaws.com"}.items())
            if services:
                self.deny(arn, arn, "kms:Decrypt", key, t("requests.kms_2"), t("requests.kms_3"))

    # --- task role ---------------------------------------------------------------------------
    def task_role(self, arn: str) -> None:
        td = self.td
        for name in self.s.runtime_secrets:
            secret = self.secret_arn(name)
            for action in ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"):
                self.need(arn, arn, action, secret, t("requests.task_role_10", name=name))
            self.deny(arn, arn, "secretsmanager:GetSecretValue", self.secret_arn(name + "0"), t("requests.task_role_1"),
                      t("requests.task_role_2"))
            self.deny(arn, arn, "secretsmanager:PutSecretValue", secret, t("requests.task_role_3"), t("requests.task_role_4"))
        if self.s.runtime_secrets:
            self._kms(arn, {"secretsmanager"}, t("plan.kms_runtime"))
        for k, v in enumerate(td.data.get("volumes", [])):
            config = v.get("efsVolumeConfiguration")
            if not config or (config.get("authorizationConfig") or {}).get("iam") != "ENABLED":
                continue
            fs = f"arn:{self.part}:elasticfilesystem:{self.region}:{self.acct}:file-system/{config['fileSystemId']}"
            path = f"volumes[{k}]"
            self.need(arn, arn, "elasticfilesystem:ClientMount", fs, t("requests.task_role_5", path=path))
            writes = [f"containerDefinitions[{i}].mountPoints[{j}]" for i, c in enumerate(td.containers)
                      for j, m in enumerate(c.get("mountPoints", []))
                      if m.get("sourceVolume") == v["name"] and not m.get("readOnly", False)]
            if writes:
                self.need(arn, arn, "elasticfilesystem:ClientWrite", fs, t("requests.task_role_11", writes=writes[0]))
            else:
                self.deny(arn, arn, "elasticfilesystem:ClientWrite", fs, t("requests.task_role_12"),
                          t("requests.task_role_13"))
            self.deny(arn, arn, "elasticfilesystem:ClientRootAccess", fs, t("requests.task_role_6"), t("requests.task_role_7"))
            self.deny(arn, arn, "elasticfilesystem:ClientMount", fs[:-1] + "9", t("requests.task_role_8"),
                      t("requests.task_role_9"))

    # --- trust -------------------------------------------------------------------------------
    def trust(self, arn: str, purposes: tuple[str, ...]) -> None:
        source = {"aws:SourceAccount": self.acct,
                  "aws:SourceArn": f"arn:{self.part}:ecs:{self.region}:{self.acct}:task/default/{TASK_ID}"}
        self.need(arn, ECS_TASKS, "sts:AssumeRole", arn,
                  t("requests.trust_1", items=', '.join(_FIELDS[p] for p in purposes)), source.items(), trust=True)
        self.deny(arn, "lambda.amazonaws.com", "sts:AssumeRole", arn, t("requests.trust_2"), t("requests.trust_3"),
                  source.items(), trust=True)
        if TASK_EXECUTION_ROLE not in purposes:
            # AWS documents the task role's trust with aws:SourceAccount and aws:SourceArn against a confused
            # deputy; the execution role's documented trust has no conditions.
            other = "111122223333"
            self.deny(arn, ECS_TASKS, "sts:AssumeRole", arn, t("requests.trust_4"), t("requests.trust_5"),
                      {"aws:SourceAccount": other,
                       "aws:SourceArn": f"arn:{self.part}:ecs:{self.region}:{other}:task/default/{TASK_ID}"}.items(),
                      trust=True)
            region = "us-east-1" if self.region != "us-east-1" else "us-west-2"
            self.deny(arn, ECS_TASKS, "sts:AssumeRole", arn, t("requests.trust_6"), t("requests.trust_7"),
                      {"aws:SourceAccount": self.acct,
                       "aws:SourceArn": f"arn:{self.part}:ecs:{region}:{self.acct}:task/default/{TASK_ID}"}.items(),
                      trust=True)


_FIELDS = {TASK_EXECUTION_ROLE: "executionRoleArn", TASK_ROLE: "taskRoleArn"}


def _sibling_role(arn: str) -> str:
    return arn.rsplit("/", 1)[-1] + "2" if arn else ""


def _ecr_repository(image: str, partition: str) -> str | None:
    m = re.fullmatch(r"(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([a-z0-9._/-]+?)"
                     r"(?::[\w.-]+)?(?:@sha256:[a-f0-9]{64})?", image)
    if not m:
        return None
    return f"arn:{partition}:ecr:{m.group(2)}:{m.group(1)}:repository/{m.group(3)}"


@dataclass(frozen=True)
class _LogGroup:
    name: str
    arn: str
    stream: str
    path: str
    create: str  # the awslogs-create-group path when it is "true"


def _log_groups(td: TaskDefinition, settings: Settings) -> list[_LogGroup]:
    out: dict[str, _LogGroup] = {}
    for i, c in enumerate(td.containers):
        log = c.get("logConfiguration") or {}
        if log.get("logDriver") != "awslogs":
            continue
        options, path = log.get("options") or {}, f"containerDefinitions[{i}].logConfiguration.options"
        name, region = options["awslogs-group"], options.get("awslogs-region") or settings.region
        prefix = options.get("awslogs-stream-prefix")
        stream = f"{prefix}/{c['name']}/{TASK_ID}" if prefix else TASK_ID
        create = f"{path}.awslogs-create-group" if str(options.get("awslogs-create-group", "")).lower() == "true" else ""
        arn = f"arn:{settings.partition}:logs:{region}:{settings.account_id}:log-group:{name}"
        if name not in out or (create and not out[name].create):
            out[name] = _LogGroup(name, arn, stream, f"{path}.awslogs-group", create)
    return list(out.values())


def deployer_arn(settings: Settings) -> str:
    d = settings.deployer
    kind, name = ("role", d.role_name) if d.role_name is not None else ("user", d.user_name)
    return f"arn:{settings.partition}:iam::{settings.account_id}:{kind}/{name}"


def build_requests(td: TaskDefinition, settings: Settings) -> RequestModel:
    roles: dict[str, tuple[str, ...]] = {}
    for purpose, field_name in _FIELDS.items():
        arn = td.data.get(field_name)
        if arn:
            roles[arn] = (*roles.get(arn, ()), purpose)
    b = _Builder(td, settings, deployer_arn(settings))
    b.deployer(roles)
    for arn, purposes in roles.items():
        if TASK_EXECUTION_ROLE in purposes:
            b.execution_role(arn)
        if TASK_ROLE in purposes:
            b.task_role(arn)
        b.trust(arn, purposes)
    _cross_role_near_misses(b, roles)
    return RequestModel(b.deployer_arn, tuple(b.required), tuple(b.near), roles)


def _cross_role_near_misses(b: _Builder, roles: Mapping[str, tuple[str, ...]]) -> None:
    """Secret grants on the wrong role are the most common mistake: each role must not read the other's."""
    if len(roles) != 2:
        return
    for arn in roles:
        mine = {(r.action, r.resource) for r in b.required if r.role == arn}
        for other in roles:
            if other == arn:
                continue
            for r in [r for r in b.required if r.role == other and r.action == "secretsmanager:GetSecretValue"]:
                if (r.action, r.resource) not in mine:
                    b.deny(arn, arn, r.action, r.resource, t("requests.cross_role_near_misses_1"),
                           t("requests.cross_role_near_misses_2", items='/'.join(roles[other])))
