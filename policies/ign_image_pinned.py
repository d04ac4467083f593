"""CKV_IGN_10: every image has an immutable tag or a digest.

":latest" or no tag (taskdef/input/arns.py image_is_mutable, the loader's warning) lets
the next pull run different code under the same task definition revision. A tag
that is a Terraform expression fails too: the scan cannot see what it will be.
"""

import ign_common as ign
import ign_terraform as tf
from checkov.common.models.enums import CheckCategories


def problems(i, c):
    label = tf.container_label(i, c)
    image = c.get("image")
    if not isinstance(image, str) or not image:
        yield f"{label}: no image"
        return
    masked = tf.without_interpolations(image, mask=tf.EXPRESSION)
    last = masked.rsplit("/", 1)[-1]
    if tf.image_is_mutable(masked):
        yield f"{label}: image {image!r} has {'no tag' if ':' not in last else 'the mutable tag latest'}; pin an immutable tag or a digest"
    elif "@" not in last and tf.EXPRESSION in last.rsplit(":", 1)[1]:
        yield f"{label}: image {image!r} takes its tag from an expression; pin a literal tag or a digest"


checks = ign.register(
    id="CKV_IGN_10",
    name="ECS container images are pinned to an immutable tag or digest",
    categories=[CheckCategories.SUPPLY_CHAIN],
    rule=ign.container_rule(problems),
    resources=[tf.TASK_DEFINITION],
    keys=["container_definitions"],
)
