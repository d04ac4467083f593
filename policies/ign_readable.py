"""CKV_IGN_14: policies and container definitions are in a form these checks read.

The other CKV_IGN checks read literal JSON and aws_iam_policy_document blocks;
a policy written as jsonencode(...), file(...) or a reference to anything else,
or container_definitions that are not a literal JSON list, would pass them
unseen. This check makes such a blind spot a failure.
"""

import ign_common as ign
from checkov.common.models.enums import CheckCategories


def rule(entity_type, conf):
    if entity_type == ign.TASK_DEFINITION:
        try:
            ign.container_definitions(conf)
        except ign.Unreadable as exc:
            return [f"{exc}; write the containers as a JSON string"]
        return []
    _, unreadable = ign.policy_documents(entity_type, conf)
    return [f"{u}; write literal JSON or reference an aws_iam_policy_document" for u in unreadable]


checks = ign.register(
    id="CKV_IGN_14",
    name="IAM policies and container definitions are readable by the project checks",
    categories=[CheckCategories.GENERAL_SECURITY],
    rule=rule,
    resources=[*ign.POLICY_RESOURCES, ign.TASK_DEFINITION],
    data=[ign.POLICY_DOCUMENT],
)
