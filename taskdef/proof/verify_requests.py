"""The reads of ``main.py verify`` as the identity ``verifier-policy.json`` is attached to, from the file and the
settings alone, and the near misses its grants must deny.

What verify calls (taskdef/account/), each as IAM evaluates it (the engine's action data, from the Service
Authorization Reference):

- the deployer's policies and groups (a user) or its policies (a role), on its ARN; the policies of the groups it
  is in, and the managed policies attached to it and to the roles, which the file cannot name: on a sample of each;
- each role of the file, on its ARN;
- each secret the task reads, in this account and region, with ``DescribeSecret`` on its ARN: never its value;
- ``DescribeParameters`` and ``DescribeLogGroups``, which support no resource-level permission: on ``*``;
- the file's images in this account's ECR, on each repository's ARN;
- with ``deployer.run``, the cluster on its ARN (diff_requests.py proves the services).

Another account's secret, parameter or image is not read with these credentials alone, so it is no request here.
"""

from __future__ import annotations

import re

from taskdef.input import arns
from taskdef.proof.diff_requests import DiffRequests, verifier_arn
from taskdef.proof.request_builder import PARTIAL_SECRET, ROLE_FIELDS, awslogs_groups, sibling_role
from taskdef.proof.request_model import SECRET_SUFFIX, VERIFIER
from taskdef.text.i18n import t

_USER_READS = (
    "iam:GetUser",
    "iam:ListUserPolicies",
    "iam:GetUserPolicy",
    "iam:ListAttachedUserPolicies",
    "iam:ListGroupsForUser",
)
_ROLE_READS = ("iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies")
_GROUP_READS = ("iam:ListGroupPolicies", "iam:GetGroupPolicy", "iam:ListAttachedGroupPolicies")
# A Parameter Store name that resolves to a Secrets Manager secret.
_SECRET_REFERENCE = "aws/reference/secretsmanager/"
# Samples for what the file cannot name: a group the deployer is in, a policy attached to it or to a role.
SAMPLE_GROUP, SAMPLE_POLICY, SAMPLE_AWS_POLICY = "developers", "ig-notification-deployer", "PowerUserAccess"


class VerifierRequests(DiffRequests):
    def verifier(self) -> None:
        """diff's reads and verify's, and no write to what they read."""
        super().verifier()
        v = verifier_arn(self.s)
        self._principals(v)
        self._secrets(v)
        self._parameters(v)
        self._images(v)
        if awslogs_groups(self.td, self.s):
            self.need(VERIFIER, v, "logs:DescribeLogGroups", "*", t("requests.verify_log_groups"))
        run = self.s.deployer.run
        if run is not None:
            prefix = f"arn:{self.part}:ecs:{self.region}:{self.acct}:cluster"
            why = t("requests.verify_cluster", cluster=run.cluster)
            self.need(VERIFIER, v, "ecs:DescribeClusters", f"{prefix}/{run.cluster}", why)
            other = t("requests.verify_other", name=f"{run.cluster}-other")
            self.deny(
                VERIFIER, v, "ecs:DescribeClusters", f"{prefix}/{run.cluster}-other", t("requests.deploy_3"), other
            )
        # A sibling name the file itself holds (roles app and app2) is one of the reads, not a near miss.
        required = {(r.action, r.resource) for r in self.required}
        self.near = [r for r in self.near if (r.action, r.resource) not in required]

    def _principals(self, v: str) -> None:
        deployer, iam = self.deployer_arn, f"arn:{self.part}:iam::{self.acct}"
        name = deployer.rsplit("/", 1)[-1]
        reads = _USER_READS if self.s.deployer.kind == "user" else _ROLE_READS
        kind = t("requests.kind_extends_deployer")
        for action in reads:
            self.need(VERIFIER, v, action, deployer, t("requests.verify_deployer", name=name))
            self.deny(VERIFIER, v, action, f"{deployer}2", kind, t("requests.verify_other", name=f"{name}2"))
        if self.s.deployer.kind == "user":
            for action in _GROUP_READS:
                self.need(VERIFIER, v, action, f"{iam}:group/{SAMPLE_GROUP}", t("requests.verify_groups", name=name))
        for action in ("iam:GetPolicy", "iam:GetPolicyVersion"):
            for policy in (f"{iam}:policy/{SAMPLE_POLICY}", f"arn:{self.part}:iam::aws:policy/{SAMPLE_AWS_POLICY}"):
                self.need(VERIFIER, v, action, policy, t("requests.verify_policies"))
        beyond = t("requests.verifier_beyond")
        seen: set[str] = set()
        for field in ROLE_FIELDS.values():
            arn = self.td.data.get(field)
            if not arn or arn in seen:
                continue
            seen.add(arn)
            role = arn.rsplit("/", 1)[-1]
            for action in _ROLE_READS:
                self.need(VERIFIER, v, action, arn, t("requests.verify_role", name=role, field=field))
            sibling = f"{arn.rsplit('/', 1)[0]}/{sibling_role(arn)}"
            other = t("requests.verify_other", name=sibling_role(arn))
            self.deny(VERIFIER, v, "iam:GetRole", sibling, t("requests.kind_extends_role"), other)
            write = t("requests.verify_write_role", name=role)
            self.deny(VERIFIER, v, "iam:PutRolePolicy", arn, beyond, write)

    def _secrets(self, v: str) -> None:
        """DescribeSecret on each secret in this account and region; never GetSecretValue."""
        # name -> (the secret's ARN as IAM sees it, one whose name extends it, why verify reads it)
        found: dict[str, tuple[str, str, str]] = {}
        if self.td.task_role_arn:
            for name in self.s.runtime_secrets:
                runtime = t("requests.verify_runtime_secret", name=name)
                found[name] = (self.secret_arn(name), self.secret_arn(name + "0"), runtime)
        for path, value in arns.secret_value_paths(self.td):
            m = re.fullmatch(r"arn:[a-z-]+:secretsmanager:([a-z0-9-]+):(\d{12}):secret:([^:]+)(:.*)?", value)
            if m and (m.group(1), m.group(2)) == (self.region, self.acct):
                name = m.group(3)
                # A name that ends like a suffix is taken as the full ARN, as ECS and the execution role's take it.
                if PARTIAL_SECRET.search(name):
                    arn = f"arn:{self.part}:secretsmanager:{self.region}:{self.acct}:secret:{name}"
                    sibling = self.secret_arn(name[:-7] + "0")
                else:
                    arn, sibling = self.secret_arn(name), self.secret_arn(name + "0")
            elif reference := self._secret_reference(value):
                name = reference
                arn, sibling = self.secret_arn(name), self.secret_arn(name + "0")
            else:
                continue
            found.setdefault(name, (arn, sibling, t("requests.verify_secret", name=name, path=path)))
        for name, (arn, sibling, why) in found.items():
            self.need(VERIFIER, v, "secretsmanager:DescribeSecret", arn, why)
            other = t("requests.verify_other", name=sibling.rsplit(":", 1)[1].removesuffix(f"-{SECRET_SUFFIX}"))
            kind = t("requests.kind_extends_secret")
            self.deny(VERIFIER, v, "secretsmanager:DescribeSecret", sibling, kind, other)
            value = t("requests.verify_value", name=name)
            self.deny(VERIFIER, v, "secretsmanager:GetSecretValue", arn, t("requests.kind_value"), value)

    def _secret_reference(self, value: str) -> str | None:
        """The secret a parameter of this account and region resolves to, by its name or its ARN."""
        m = re.fullmatch(r"arn:[a-z-]+:ssm:([a-z0-9-]+):(\d{12}):parameter/(.+)", value)
        name = m.group(3) if m and (m.group(1), m.group(2)) == (self.region, self.acct) else None if m else value
        if name is None or name.startswith("arn:") or not name.lstrip("/").startswith(_SECRET_REFERENCE):
            return None
        return name.lstrip("/")[len(_SECRET_REFERENCE) :]

    def _parameters(self, v: str) -> None:
        """DescribeParameters supports no resource-level permission; reading a value is never verify's."""
        found = False
        for _, value in arns.secret_value_paths(self.td):
            m = re.fullmatch(r"arn:[a-z-]+:ssm:([a-z0-9-]+):(\d{12}):parameter/(.+)", value)
            if m and (m.group(1), m.group(2)) != (self.region, self.acct):
                continue
            name = m.group(3) if m else None if value.startswith("arn:") else value.lstrip("/")
            if not name or name.startswith(_SECRET_REFERENCE):
                continue
            found = True
            parameter = f"arn:{self.part}:ssm:{self.region}:{self.acct}:parameter/{name}"
            value_read = t("requests.verify_value", name=name)
            self.deny(VERIFIER, v, "ssm:GetParameters", parameter, t("requests.kind_value"), value_read)
        if found:
            self.need(VERIFIER, v, "ssm:DescribeParameters", "*", t("requests.verify_parameters"))

    def _images(self, v: str) -> None:
        for repository, path in self.ecr_repositories().items():
            if repository.split(":")[3:5] != [self.region, self.acct]:
                continue
            name = repository.split("/", 1)[1]
            for action in ("ecr:DescribeImages", "ecr:DescribeRepositories"):
                self.need(VERIFIER, v, action, repository, t("requests.verify_image", repository=name, path=path))
            other = t("requests.verify_other", name=f"{name}0")
            self.deny(VERIFIER, v, "ecr:DescribeImages", f"{repository}0", t("requests.kind_extends_repository"), other)
