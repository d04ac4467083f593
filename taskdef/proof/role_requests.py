"""The roles' requests: what the execution role does to start the task (images, logs, startup secrets,
environment files) and what the task role does while it runs; and each role's trust."""

from __future__ import annotations

import re
from collections.abc import Iterator

from taskdef.input.arns import secret_value_paths  # where the file names secrets: a walk of the file, not the plan
from taskdef.proof.request_builder import (
    PARTIAL_SECRET,
    ROLE_FIELDS,
    TASK_ID,
    RequestBuilder,
    awslogs_groups,
)
from taskdef.proof.request_model import ECS_TASKS, SECRET_SUFFIX, TASK_EXECUTION_ROLE
from taskdef.text.i18n import t


class RoleRequests(RequestBuilder):
    # --- execution role ----------------------------------------------------------------------
    def execution_role(self, arn: str) -> None:
        td = self.td
        repositories = self.ecr_repositories()
        if repositories:
            self.need(arn, arn, "ecr:GetAuthorizationToken", "*", t("requests.execution_role_1"))
        for repo, path in repositories.items():
            for action in ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"):
                self.need(arn, arn, action, repo, t("requests.execution_role_12", path=path))
            self.deny(
                arn,
                arn,
                "ecr:BatchGetImage",
                repo + "-other",
                t("requests.execution_role_2"),
                t("requests.execution_role_3"),
            )
            self.deny(arn, arn, "ecr:PutImage", repo, t("requests.execution_role_4"), t("requests.execution_role_5"))
        for group in awslogs_groups(td, self.s):
            stream = f"{group.arn}:log-stream:{group.stream}"
            self.need(arn, arn, "logs:CreateLogStream", stream, t("requests.execution_role_6", path=group.path))
            self.need(arn, arn, "logs:PutLogEvents", stream, t("requests.execution_role_7", path=group.path))
            create = f"{group.arn}:log-stream:"
            if group.create:
                self.need(arn, arn, "logs:CreateLogGroup", create, t("requests.execution_role_13", create=group.create))
            else:
                self.deny(
                    arn,
                    arn,
                    "logs:CreateLogGroup",
                    create,
                    t("requests.execution_role_14"),
                    t("requests.execution_role_15"),
                )
            sibling = group.arn.rsplit(":", 1)[0] + f":{group.name}2"
            self.deny(
                arn,
                arn,
                "logs:PutLogEvents",
                f"{sibling}:log-stream:{group.stream}",
                t("requests.execution_role_8"),
                t("requests.execution_role_9"),
            )
            self.deny(
                arn,
                arn,
                "logs:DeleteLogGroup",
                group.arn,
                t("requests.execution_role_10"),
                t("requests.execution_role_11"),
            )
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
                self.deny(
                    arn,
                    arn,
                    "s3:GetObject",
                    f"{bucket}/other.env",
                    t("requests.execution_role_18"),
                    t("requests.execution_role_19"),
                )

    def _startup_secret(self, value: str) -> Iterator[tuple[str, str, str]]:
        """(action, resource as IAM sees it, a sibling resource) for one valueFrom."""
        m = re.fullmatch(r"arn:([a-z-]+):secretsmanager:([a-z0-9-]+):(\d{12}):secret:([^:]+)(:.*)?", value)
        if m:
            part, region, account, name = m.group(1), m.group(2), m.group(3), m.group(4)
            base = f"arn:{part}:secretsmanager:{region}:{account}:secret:"
            # A name that ends like a suffix is taken as the full ARN; otherwise ECS resolves the partial ARN.
            full = f"{base}{name}" if PARTIAL_SECRET.search(name) else f"{base}{name}-{SECRET_SUFFIX}"
            stem = name[:-7] if PARTIAL_SECRET.search(name) else name
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
            secret = name[len("aws/reference/secretsmanager/") :]
            yield (
                "secretsmanager:GetSecretValue",
                self.secret_arn(secret, region=region, account=account),
                self.secret_arn(secret + "0", region=region, account=account),
            )

    def _kms(self, arn: str, services: set[str], what: str) -> None:
        for key in self.s.secrets_kms_key_arns:
            for service in sorted(services):
                self.need(
                    arn,
                    arn,
                    "kms:Decrypt",
                    key,
                    t("requests.kms_1", service=service, what=what),
                    {"kms:ViaService": f"{service}.{self.region}.amazonaws.com"}.items(),
                )
            if services:
                self.deny(arn, arn, "kms:Decrypt", key, t("requests.kms_2"), t("requests.kms_3"))

    # --- task role ---------------------------------------------------------------------------
    def task_role(self, arn: str) -> None:
        td = self.td
        for name in self.s.runtime_secrets:
            secret = self.secret_arn(name)
            for action in ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"):
                self.need(arn, arn, action, secret, t("requests.task_role_10", name=name))
            self.deny(
                arn,
                arn,
                "secretsmanager:GetSecretValue",
                self.secret_arn(name + "0"),
                t("requests.task_role_1"),
                t("requests.task_role_2"),
            )
            self.deny(
                arn, arn, "secretsmanager:PutSecretValue", secret, t("requests.task_role_3"), t("requests.task_role_4")
            )
        if self.s.runtime_secrets:
            self._kms(arn, {"secretsmanager"}, t("plan.kms_runtime"))
        for k, v in enumerate(td.data.get("volumes", [])):
            config = v.get("efsVolumeConfiguration")
            if not config or (config.get("authorizationConfig") or {}).get("iam") != "ENABLED":
                continue
            fs = f"arn:{self.part}:elasticfilesystem:{self.region}:{self.acct}:file-system/{config['fileSystemId']}"
            path = f"volumes[{k}]"
            self.need(arn, arn, "elasticfilesystem:ClientMount", fs, t("requests.task_role_5", path=path))
            writes = [
                f"containerDefinitions[{i}].mountPoints[{j}]"
                for i, c in enumerate(td.containers)
                for j, m in enumerate(c.get("mountPoints", []))
                if m.get("sourceVolume") == v["name"] and not m.get("readOnly", False)
            ]
            if writes:
                self.need(arn, arn, "elasticfilesystem:ClientWrite", fs, t("requests.task_role_11", writes=writes[0]))
            else:
                self.deny(
                    arn,
                    arn,
                    "elasticfilesystem:ClientWrite",
                    fs,
                    t("requests.task_role_12"),
                    t("requests.task_role_13"),
                )
            self.deny(
                arn, arn, "elasticfilesystem:ClientRootAccess", fs, t("requests.task_role_6"), t("requests.task_role_7")
            )
            self.deny(
                arn,
                arn,
                "elasticfilesystem:ClientMount",
                fs[:-1] + "9",
                t("requests.task_role_8"),
                t("requests.task_role_9"),
            )

    # --- trust -------------------------------------------------------------------------------
    def trust(self, arn: str, purposes: tuple[str, ...]) -> None:
        source = {
            "aws:SourceAccount": self.acct,
            "aws:SourceArn": f"arn:{self.part}:ecs:{self.region}:{self.acct}:task/default/{TASK_ID}",
        }
        self.need(
            arn,
            ECS_TASKS,
            "sts:AssumeRole",
            arn,
            t("requests.trust_1", items=", ".join(ROLE_FIELDS[p] for p in purposes)),
            source.items(),
            trust=True,
        )
        self.deny(
            arn,
            "lambda.amazonaws.com",
            "sts:AssumeRole",
            arn,
            t("requests.trust_2"),
            t("requests.trust_3"),
            source.items(),
            trust=True,
        )
        if TASK_EXECUTION_ROLE not in purposes:
            # AWS documents the task role's trust with aws:SourceAccount and aws:SourceArn against a confused
            # deputy; the execution role's documented trust has no conditions.
            other = "111122223333"
            self.deny(
                arn,
                ECS_TASKS,
                "sts:AssumeRole",
                arn,
                t("requests.trust_4"),
                t("requests.trust_5"),
                {
                    "aws:SourceAccount": other,
                    "aws:SourceArn": f"arn:{self.part}:ecs:{self.region}:{other}:task/default/{TASK_ID}",
                }.items(),
                trust=True,
            )
            region = "us-east-1" if self.region != "us-east-1" else "us-west-2"
            self.deny(
                arn,
                ECS_TASKS,
                "sts:AssumeRole",
                arn,
                t("requests.trust_6"),
                t("requests.trust_7"),
                {
                    "aws:SourceAccount": self.acct,
                    "aws:SourceArn": f"arn:{self.part}:ecs:{region}:{self.acct}:task/default/{TASK_ID}",
                }.items(),
                trust=True,
            )
