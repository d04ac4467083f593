"""CKV_IGN_9: no plaintext environment variable that looks like a secret.

The name test is taskdef/input/rules.py looks_like_secret itself, so the loader's
warning and the scan agree: PASSWORD, SECRET, TOKEN, KEY, ... in a name fails,
unless it ends in _ID/_NAME/_ARN/_PATH/_FILE/_REGION (a name that points to a
secret, like DB_SECRET_ID). Secrets belong in "secrets" (valueFrom).
"""

import ign_common as ign
import ign_terraform as tf
from checkov.common.models.enums import CheckCategories


def problems(i, c):
    for j, env in enumerate(c.get("environment") or []):
        name = str(env.get("name", "")) if isinstance(env, dict) else ""
        if tf.looks_like_secret(name):
            yield f"{tf.container_label(i, c)}: environment[{j}] {name!r} looks like a secret in plaintext; use secrets (valueFrom)"


checks = ign.register(
    id="CKV_IGN_9",
    name="ECS container environment holds no secret-like plaintext variable",
    categories=[CheckCategories.SECRETS],
    rule=ign.container_rule(problems),
    resources=[tf.TASK_DEFINITION],
    keys=["container_definitions"],
)
