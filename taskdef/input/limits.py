"""AWS's documented default quotas that the synth measures against (IAM and AWS STS; Amazon ECS).

Each names what it limits, its default, and AWS's own error text when it is exceeded, so a refusal
at synth reads like the one the apply would have met. Settings ``iam_quotas`` may raise the
adjustable ones to what the account was granted.
"""

from __future__ import annotations

from dataclasses import dataclass

from taskdef.text.i18n import Text, t

# The provider the stack binds: the one cdktf-cdktf-provider-aws 21.22.1 was generated from (the synthesized
# required_providers pins it; tests/test_components.py checks the two agree).
PROVIDER_VERSION = "6.25.0"
PROVIDER = f"hashicorp/aws {PROVIDER_VERSION}"


@dataclass(frozen=True)
class Quota:
    key: str
    what: Text  # what it limits, as AWS's quota page names it
    limit: int
    unit: Text
    error: str  # AWS's message when it is exceeded ({name}: the principal)
    maximum: int = 0  # what a quota increase can raise it to; 0: not adjustable

    @property
    def adjustable(self) -> bool:
        return self.maximum > 0


QUOTAS: dict[str, Quota] = {
    q.key: q
    for q in (
        Quota(
            "role_inline",
            t("quotas.what_role_inline"),
            10_240,
            t("quotas.unit_characters"),
            "Maximum policy size of 10240 bytes exceeded for role {name}",
        ),
        Quota(
            "user_inline",
            t("quotas.what_user_inline"),
            2_048,
            t("quotas.unit_characters"),
            "Maximum policy size of 2048 bytes exceeded for user {name}",
        ),
        Quota(
            "managed_policy",
            t("quotas.what_managed_policy"),
            6_144,
            t("quotas.unit_characters"),
            "Cannot exceed quota for PolicySize: 6144",
        ),
        Quota(
            "policies_per_role",
            t("quotas.what_policies_per_role"),
            10,
            t("quotas.unit_policies"),
            "Cannot exceed quota for PoliciesPerRole: 10",
            maximum=20,
        ),
        Quota(
            "policies_per_user",
            t("quotas.what_policies_per_user"),
            10,
            t("quotas.unit_policies"),
            "Cannot exceed quota for PoliciesPerUser: 10",
            maximum=20,
        ),
        Quota(
            "role_trust_policy",
            t("quotas.what_role_trust_policy"),
            2_048,
            t("quotas.unit_characters"),
            "Cannot exceed quota for ACLSizePerRole: 2048",
            maximum=4_096,
        ),
        Quota(
            "task_definition_size",
            t("quotas.what_task_definition_size"),
            65_536,
            t("quotas.unit_bytes"),
            "Max allowed length is '65536' bytes.",
        ),
        Quota("containers", t("quotas.what_containers"), 10, t("quotas.unit_containers"), "Too many containers."),
    )
}
