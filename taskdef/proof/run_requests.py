"""Settings ``deployer.run``: the deployer's requests to deploy to a service and run one-off tasks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from taskdef.proof.diff_requests import DiffRequests
from taskdef.proof.request_builder import ROLE_FIELDS, ROLLBACK_REVISION, TASK_ID
from taskdef.proof.request_model import DEPLOYER, ECS_TASKS
from taskdef.text.i18n import t


class RunRequests(DiffRequests):
    # --- deployer: deploy and run (settings deployer.run) ---------------------------------------
    def deploy(
        self, roles: Mapping[str, tuple[str, ...]], tags: list[tuple[str, str]], tag_ctx: Mapping[str, Any]
    ) -> None:
        """The calls of aws-actions/amazon-ecs-deploy-task-definition after RegisterTaskDefinition, in its order:
        with run-task, RunTask (tags passed: TagResource) then DescribeTasks while it waits for the task to
        stop; with a service, DescribeServices (the deployment controller), UpdateService, then DescribeServices
        until the service is stable. ECS sends ecs:cluster with each of them (Service Authorization Reference).
        Then the deploy workflow's own calls: UpdateService back to another revision of the family (a rollback),
        and, before all of these, DescribeImages to resolve the image's tag to a digest."""
        d, td, run = self.deployer_arn, self.td, self.s.deployer.run
        assert run is not None
        prefix = f"arn:{self.part}:ecs:{self.region}:{self.acct}"
        cluster, other_cluster = f"{prefix}:cluster/{run.cluster}", f"{prefix}:cluster/{run.cluster}-other"
        revision = self.task_definition_arn(td.family)
        task = f"{prefix}:task/{run.cluster}/{TASK_ID}"
        on = {"ecs:cluster": cluster}
        if run.run_task:
            self.need(
                DEPLOYER,
                d,
                "ecs:RunTask",
                revision,
                t("requests.deploy_1", family=td.family, cluster=run.cluster),
                {**on, **tag_ctx}.items(),
            )
            if tags:
                self.need(
                    DEPLOYER,
                    d,
                    "ecs:TagResource",
                    task,
                    t("requests.deploy_21"),
                    {"ecs:CreateAction": "RunTask", **tag_ctx}.items(),
                )
            for arn, purposes in roles.items():
                self.need(
                    DEPLOYER,
                    d,
                    "iam:PassRole",
                    arn,
                    t("requests.deploy_22", items=", ".join(ROLE_FIELDS[p] for p in purposes)),
                    {"iam:PassedToService": ECS_TASKS}.items(),
                )
            if run.wait:
                self.need(DEPLOYER, d, "ecs:DescribeTasks", task, t("requests.deploy_23"), on.items())
            resource_tags = {f"aws:ResourceTag/{k}": v for k, v in tags}
            self.need(DEPLOYER, d, "ecs:StopTask", task, t("requests.deploy_2"), {**on, **resource_tags}.items())
            self.deny(
                DEPLOYER,
                d,
                "ecs:RunTask",
                revision,
                t("requests.deploy_3"),
                t("requests.deploy_4", cluster=run.cluster),
                {"ecs:cluster": other_cluster, **tag_ctx}.items(),
            )
            self.deny(
                DEPLOYER,
                d,
                "ecs:RunTask",
                self.task_definition_arn("other-service"),
                t("requests.deployer_20"),
                t("requests.deploy_6"),
                {**on, **tag_ctx}.items(),
            )
            other_task = f"{prefix}:task/{run.cluster}-other/{TASK_ID}"
            self.deny(
                DEPLOYER,
                d,
                "ecs:StopTask",
                other_task,
                t("requests.deploy_3"),
                t("requests.deploy_8"),
                {"ecs:cluster": other_cluster, **resource_tags}.items(),
            )
            if run.wait:
                self.deny(
                    DEPLOYER,
                    d,
                    "ecs:DescribeTasks",
                    other_task,
                    t("requests.deploy_3"),
                    t("requests.deploy_25"),
                    {"ecs:cluster": other_cluster}.items(),
                )
            for k, v in tags:
                self.deny(
                    DEPLOYER,
                    d,
                    "ecs:StopTask",
                    task,
                    t("requests.deploy_26"),
                    t("requests.deploy_27", k=k, v=v),
                    {**on, **resource_tags, f"aws:ResourceTag/{k}": f"{v}-other"}.items(),
                )
            if tags:
                self.deny(
                    DEPLOYER,
                    d,
                    "ecs:TagResource",
                    task,
                    t("requests.deploy_28"),
                    t("requests.deploy_29"),
                    tag_ctx.items(),
                )
                self.deny(
                    DEPLOYER,
                    d,
                    "ecs:TagResource",
                    other_task,
                    t("requests.deploy_3"),
                    t("requests.deploy_31"),
                    {"ecs:CreateAction": "RunTask", **tag_ctx}.items(),
                )
            self.deny(
                DEPLOYER,
                d,
                "iam:PassRole",
                f"arn:{self.part}:iam::{self.acct}:role/{td.family}-override",
                t("requests.deploy_9"),
                t("requests.deploy_10"),
                {"iam:PassedToService": ECS_TASKS}.items(),
            )
        for i, name in enumerate(run.services):
            service = f"{prefix}:service/{run.cluster}/{name}"
            named = t("requests.named_service", index=i, name=name)
            self.need(DEPLOYER, d, "ecs:DescribeServices", service, t("requests.deploy_11", named=named), on.items())
            self.need(
                DEPLOYER,
                d,
                "ecs:UpdateService",
                service,
                t("requests.deploy_12", named=named),
                {**on, "ecs:task-definition": revision}.items(),
            )
            if run.wait:
                self.need(
                    DEPLOYER, d, "ecs:DescribeServices", service, t("requests.deploy_32", named=named), on.items()
                )
            self.need(
                DEPLOYER,
                d,
                "ecs:UpdateService",
                service,
                t("requests.deploy_rollback", named=named),
                {**on, "ecs:task-definition": self.task_definition_arn(td.family, ROLLBACK_REVISION)}.items(),
            )
            deploy = {**on, "ecs:task-definition": revision}
            self.deny(
                DEPLOYER,
                d,
                "ecs:UpdateService",
                f"{prefix}:service/{run.cluster}-other/{name}",
                t("requests.deploy_3"),
                t("requests.deploy_14", name=name, cluster=run.cluster),
                {**deploy, "ecs:cluster": other_cluster}.items(),
            )
            for family, kind in (
                (f"{td.family}2", t("requests.kind_extends_family")),
                ("other-service", t("requests.deployer_20")),
            ):
                self.deny(
                    DEPLOYER,
                    d,
                    "ecs:UpdateService",
                    service,
                    kind,
                    t("requests.deploy_33", name=name, family=family),
                    {**on, "ecs:task-definition": self.task_definition_arn(family)}.items(),
                )
            self.deny(
                DEPLOYER, d, "ecs:UpdateService", service, t("requests.deploy_17"), t("requests.deploy_18"), on.items()
            )
            for action in ("ecs:CreateService", "ecs:DeleteService"):
                self.deny(
                    DEPLOYER,
                    d,
                    action,
                    service,
                    t("requests.deploy_34"),
                    action.split(":")[1],
                    deploy.items() if action == "ecs:CreateService" else on.items(),
                )
        if run.services:
            self.deny(
                DEPLOYER,
                d,
                "ecs:UpdateService",
                f"{prefix}:service/{run.cluster}/other-service",
                t("requests.trust_2"),
                t("requests.deploy_20"),
                {**on, "ecs:task-definition": revision}.items(),
            )
        self.deploy_images()
        # The deploy workflow runs main.py diff (and diff --reusable) as the deployer before it registers.
        self.diff_reads(DEPLOYER, d)

    def deploy_images(self) -> None:
        """The deploy workflow resolves the tag of the image it deploys to a digest (ecr:DescribeImages), in a
        repository the execution role may pull from: the file's. It never pushes or pulls."""
        d = self.deployer_arn
        for repo, path in self.ecr_repositories().items():
            self.need(DEPLOYER, d, "ecr:DescribeImages", repo, t("requests.deploy_describe_image", path=path))
            arn, part, service, region, rest = repo.split(":", 4)
            elsewhere = f"{arn}:{part}:{service}:{'us-east-1' if region != 'us-east-1' else 'us-west-2'}:{rest}"
            self.deny(
                DEPLOYER,
                d,
                "ecr:DescribeImages",
                repo + "-other",
                t("requests.execution_role_2"),
                t("requests.deploy_image_other"),
            )
            self.deny(
                DEPLOYER,
                d,
                "ecr:DescribeImages",
                elsewhere,
                t("requests.kind_another_region"),
                t("requests.deploy_image_region"),
            )
            self.deny(DEPLOYER, d, "ecr:PutImage", repo, t("requests.deploy_34"), t("requests.execution_role_5"))
            self.deny(DEPLOYER, d, "ecr:BatchGetImage", repo, t("requests.deploy_34"), t("requests.deploy_image_pull"))
