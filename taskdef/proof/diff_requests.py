"""The reads of ``main.py diff`` (and ``diff --reusable``), as whoever runs it: the deployer, where the deploy
workflow runs diff (settings ``deployer.run``), and the identity ``verifier-policy.json`` is attached to.

What diff calls (taskdef/account/diff.py), each as IAM evaluates it (Service Authorization Reference, ECS):

- ``ecs:DescribeServices`` on each service of ``deployer.run``, by its ARN, with ``ecs:cluster``: the revision it
  runs. Scoped: a service of another cluster, and one of the same cluster that ``deployer.run`` does not name, are
  near misses.
- ``ecs:DescribeTaskDefinition`` (the revisions, their tags included) and ``ecs:ListTaskDefinitions`` (the family's
  revisions, newest first): neither supports a resource-level permission, so IAM evaluates both on ``*`` and no
  policy can keep them to this family; a task definition of another family is no near miss IAM could deny.
- ``sts:GetCallerIdentity`` needs no permission (AWS answers it for any caller), so it is no request here.
"""

from __future__ import annotations

from taskdef.input.settings import Settings
from taskdef.proof.request_builder import RequestBuilder
from taskdef.proof.request_model import VERIFIER
from taskdef.text.i18n import t


def verifier_arn(settings: Settings) -> str:
    """A sample identity for verifier-policy.json: whoever it is attached to (a person, a CI role), its identity
    policy decides alone, so the name does not matter to IAM."""
    return f"arn:{settings.partition}:iam::{settings.account_id}:role/verifier"


class DiffRequests(RequestBuilder):
    def diff_reads(self, role: str, principal: str) -> None:
        """diff's reads as ``role`` (DEPLOYER or VERIFIER), and the near misses its grants must deny."""
        self.need(role, principal, "ecs:ListTaskDefinitions", "*", t("requests.diff_list"))
        self.need(role, principal, "ecs:DescribeTaskDefinition", "*", t("requests.diff_describe"))
        run = self.s.deployer.run
        if run is None or not run.services:
            return  # diff compares the family's latest revision: DescribeTaskDefinition alone
        prefix = f"arn:{self.part}:ecs:{self.region}:{self.acct}"
        on = {"ecs:cluster": f"{prefix}:cluster/{run.cluster}"}
        other_cluster = {"ecs:cluster": f"{prefix}:cluster/{run.cluster}-other"}
        for i, name in enumerate(run.services):
            named = t("requests.named_service", index=i, name=name)
            service = f"{prefix}:service/{run.cluster}/{name}"
            self.need(
                role, principal, "ecs:DescribeServices", service, t("requests.diff_service", named=named), on.items()
            )
            self.deny(
                role,
                principal,
                "ecs:DescribeServices",
                f"{prefix}:service/{run.cluster}-other/{name}",
                t("requests.deploy_3"),
                t("requests.deploy_16", name=name, cluster=run.cluster),
                other_cluster.items(),
            )
        for name, kind in (
            (f"{run.services[0]}2", t("requests.kind_extends_service")),
            ("other-service", t("requests.kind_another_service")),
        ):
            if name not in run.services:
                self.deny(
                    role,
                    principal,
                    "ecs:DescribeServices",
                    f"{prefix}:service/{run.cluster}/{name}",
                    kind,
                    t("requests.diff_other_service", name=name, cluster=run.cluster),
                    on.items(),
                )

    def verifier(self) -> None:
        """The identity verifier-policy.json is attached to: diff's reads, and no write to what they read."""
        v = verifier_arn(self.s)
        self.diff_reads(VERIFIER, v)
        beyond = t("requests.verifier_beyond")
        register = self.task_definition_arn(self.td.family)
        self.deny(VERIFIER, v, "ecs:RegisterTaskDefinition", register, beyond, t("requests.verifier_register"))
        # DeregisterTaskDefinition supports no resource-level permissions: IAM evaluates it on '*'.
        self.deny(VERIFIER, v, "ecs:DeregisterTaskDefinition", "*", beyond, t("requests.deployer_4"))
        run = self.s.deployer.run
        if run is not None:
            prefix = f"arn:{self.part}:ecs:{self.region}:{self.acct}"
            on = {"ecs:cluster": f"{prefix}:cluster/{run.cluster}"}
            for name in run.services:
                self.deny(
                    VERIFIER,
                    v,
                    "ecs:UpdateService",
                    f"{prefix}:service/{run.cluster}/{name}",
                    beyond,
                    t("requests.verifier_update", name=name),
                    {**on, "ecs:task-definition": register}.items(),
                )
