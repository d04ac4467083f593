"""The deployer's requests: registering the task definition, passing the roles, tagging, with the
condition keys ECS sends, and the near misses a least-privilege policy must deny."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from taskdef.input.tag_limits import DEPLOY_WRITER, PROVENANCE_KEYS, STACK_WRITER
from taskdef.proof.request_builder import COMPATIBILITIES, ROLE_FIELDS, sibling_role
from taskdef.proof.request_model import DEPLOYER, ECS_TASKS
from taskdef.proof.run_requests import RunRequests
from taskdef.text.i18n import t

# The provenance tags a deploy registers with (main.py render), as ECS receives them: the writer is the deploy's;
# the digest, commit and run are one example each, since they differ on every deploy.
DEPLOY_PROVENANCE: tuple[tuple[str, str], ...] = tuple(
    zip(
        PROVENANCE_KEYS,
        (
            DEPLOY_WRITER,
            "sha256:" + "0" * 64,
            "0123456789abcdef0123456789abcdef01234567",
            "https://github.com/owner/repository/actions/runs/1234567890",
        ),
    )
)


class DeployerRequests(RunRequests):
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
        tag_ctx = {
            **{f"aws:RequestTag/{k}": v for k, v in tags},
            **({"aws:TagKeys": tuple(k for k, _ in tags)} if tags else {}),
        }
        # What the deploy registers (main.py render): the file's tags and its provenance tags.
        registered = tags + list(DEPLOY_PROVENANCE)
        register_ctx = {
            **{f"aws:RequestTag/{k}": v for k, v in registered},
            "aws:TagKeys": tuple(k for k, _ in registered),
        }
        if privileged:
            self.need(
                DEPLOYER,
                d,
                "ecs:RegisterTaskDefinition",
                register,
                t("requests.register_privileged", family=td.family),
                {**base, "ecs:privileged": "true", **register_ctx}.items(),
            )
        else:
            # Whether ECS sends ecs:privileged=false or no key at all is not documented: both must pass.
            self.need(
                DEPLOYER,
                d,
                "ecs:RegisterTaskDefinition",
                register,
                t("requests.register_privileged_false", family=td.family),
                {**base, "ecs:privileged": "false", **register_ctx}.items(),
            )
            self.need(
                DEPLOYER,
                d,
                "ecs:RegisterTaskDefinition",
                register,
                t("requests.register_privileged_absent", family=td.family),
                {**base, **register_ctx}.items(),
            )
        self.need(
            DEPLOYER,
            d,
            "ecs:TagResource",
            register,
            t("requests.deployer_5"),
            {"ecs:CreateAction": "RegisterTaskDefinition", **register_ctx}.items(),
        )
        for arn, purposes in roles.items():
            self.need(
                DEPLOYER,
                d,
                "iam:PassRole",
                arn,
                t("requests.deployer_6", items=", ".join(ROLE_FIELDS[p] for p in purposes)),
                {"iam:PassedToService": ECS_TASKS}.items(),
            )
        self.need(DEPLOYER, d, "ecs:DescribeTaskDefinition", "*", t("requests.deployer_1"))
        self.need(DEPLOYER, d, "ecs:ListTaskDefinitions", "*", t("requests.deployer_2"))

        # Near misses: what the CI user must not be able to do with the same policy.
        ok = {**base, "ecs:privileged": "true" if privileged else "false", **register_ctx}
        for family, kind in (
            (f"{td.family}2", t("requests.kind_extends_family")),
            ("other-service", t("requests.deployer_20")),
        ):
            self.deny(
                DEPLOYER,
                d,
                "ecs:RegisterTaskDefinition",
                self.task_definition_arn(family),
                kind,
                t("requests.deployer_7", family=family),
                ok.items(),
            )
        if "ecs:task-cpu" in base:
            self.deny(
                DEPLOYER,
                d,
                "ecs:RegisterTaskDefinition",
                register,
                t("requests.deployer_8"),
                t("requests.deployer_9"),
                {**ok, "ecs:task-cpu": str(int(base["ecs:task-cpu"]) * 2)}.items(),
            )
        if "ecs:task-memory" in base:
            self.deny(
                DEPLOYER,
                d,
                "ecs:RegisterTaskDefinition",
                register,
                t("requests.deployer_10"),
                t("requests.deployer_11"),
                {**ok, "ecs:task-memory": str(int(base["ecs:task-memory"]) * 2)}.items(),
            )
        if "ecs:compute-compatibility" in base:
            other = next(c for c in COMPATIBILITIES if c not in base["ecs:compute-compatibility"])
            self.deny(
                DEPLOYER,
                d,
                "ecs:RegisterTaskDefinition",
                register,
                t("requests.deployer_12"),
                t("requests.deployer_13", other=other),
                {**ok, "ecs:compute-compatibility": (other,)}.items(),
            )
        if not privileged:
            self.deny(
                DEPLOYER,
                d,
                "ecs:RegisterTaskDefinition",
                register,
                t("requests.deployer_14"),
                t("requests.deployer_15"),
                {**ok, "ecs:privileged": "true"}.items(),
            )
        for k, v in tags:
            rest = tuple(key for key, _ in registered if key != k)
            missing = {key: val for key, val in ok.items() if key not in (f"aws:RequestTag/{k}", "aws:TagKeys")}
            missing["aws:TagKeys"] = rest
            self.deny(
                DEPLOYER,
                d,
                "ecs:RegisterTaskDefinition",
                register,
                t("requests.deployer_28"),
                t("requests.deployer_29", k=k),
                missing.items(),
            )
            self.deny(
                DEPLOYER,
                d,
                "ecs:RegisterTaskDefinition",
                register,
                t("requests.deployer_30"),
                t("requests.deployer_31", k=k, v=v),
                {**ok, f"aws:RequestTag/{k}": f"{v}-other"}.items(),
            )
        extra = f"{tags[0][0]}Extra" if tags else "Owner"
        self.deny(
            DEPLOYER,
            d,
            "ecs:RegisterTaskDefinition",
            register,
            t("requests.deployer_16"),
            t("requests.deployer_17", extra=extra),
            {**ok, f"aws:RequestTag/{extra}": "x", "aws:TagKeys": (*ok["aws:TagKeys"], extra)}.items(),
        )
        writer = DEPLOY_PROVENANCE[0][0]
        self.deny(
            DEPLOYER,
            d,
            "ecs:RegisterTaskDefinition",
            register,
            t("requests.writer_stack"),
            t("requests.writer_stack_detail", key=writer),
            {**ok, f"aws:RequestTag/{writer}": STACK_WRITER}.items(),
        )
        self.deny(
            DEPLOYER,
            d,
            "ecs:TagResource",
            register,
            t("requests.deployer_18"),
            t("requests.deployer_19"),
            register_ctx.items(),
        )
        self.deny(
            DEPLOYER,
            d,
            "ecs:TagResource",
            self.task_definition_arn("other-service"),
            t("requests.deployer_20"),
            t("requests.deployer_21"),
            {"ecs:CreateAction": "RegisterTaskDefinition", **register_ctx}.items(),
        )
        for arn in roles:
            for service in ("lambda.amazonaws.com", "ec2.amazonaws.com"):
                self.deny(
                    DEPLOYER,
                    d,
                    "iam:PassRole",
                    arn,
                    t("requests.trust_2"),
                    t("requests.deployer_33", service=service),
                    {"iam:PassedToService": service}.items(),
                )
            self.deny(DEPLOYER, d, "iam:PutRolePolicy", arn, t("requests.deployer_3"), t("requests.deployer_25"))
        for name, kind in (
            (sibling_role(next(iter(roles), "")), t("requests.kind_extends_role")),
            ("Admin", t("requests.kind_another_role")),
        ):
            if name:
                self.deny(
                    DEPLOYER,
                    d,
                    "iam:PassRole",
                    f"arn:{self.part}:iam::{self.acct}:role/{name}",
                    kind,
                    t("requests.deployer_34", name=name),
                    {"iam:PassedToService": ECS_TASKS}.items(),
                )
        # DeregisterTaskDefinition supports no resource-level permissions: IAM evaluates it on '*'.
        self.deny(DEPLOYER, d, "ecs:DeregisterTaskDefinition", "*", t("requests.deployer_3"), t("requests.deployer_4"))
        run = self.s.deployer.run
        if run is None or not run.run_task:
            self.deny(DEPLOYER, d, "ecs:RunTask", register, t("requests.deployer_3"), t("requests.deployer_27"))
        if run is not None:
            self.deploy(roles, tags, tag_ctx)
