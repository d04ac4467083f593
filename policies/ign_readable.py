"""CKV_IGN_14: policies and container definitions are in a form these checks read.

The other CKV_IGN checks read literal JSON and aws_iam_policy_document blocks;
a policy written as jsonencode(...), file(...) or a reference to anything else,
or container_definitions that are not a literal JSON list, would pass them
unseen. This check makes such a blind spot a failure.
"""

import ign_common as ign
import ign_terraform as tf
from checkov.common.models.enums import CheckCategories


def rule(entity_type, conf):
    if entity_type == tf.TASK_DEFINITION:
        try:
            tf.container_definitions(conf)
        except tf.Unreadable as exc:
            return [f"{exc}; write the containers as a JSON string"]
        return []
    _, unreadable = tf.policy_documents(entity_type, conf)
    return [f"{u}; write literal JSON or reference an aws_iam_policy_document" for u in unreadable]


checks = ign.register(
    id="CKV_IGN_14",
    name="IAM policies and container definitions are readable by the project checks",
    categories=[CheckCategories.GENERAL_SECURITY],
    rule=rule,
    resources=[*tf.POLICY_RESOURCES, tf.TASK_DEFINITION],
    data=[tf.POLICY_DOCUMENT],
)
