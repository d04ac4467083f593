"""CKV_IGN_12: a log group sets retention_in_days: 0 (never expire) or at least 365.

Absent counts as a failure although AWS then keeps logs forever: the retention
must be a decision written down, not a default.
"""

import ign_common as ign
import ign_terraform as tf
from checkov.common.models.enums import CheckCategories

MINIMUM_DAYS = 365


def rule(entity_type, conf):
    if "retention_in_days" not in conf:
        return ["retention_in_days is not set; set 0 (never expire) or at least 365 days"]
    value = tf.scalar(conf["retention_in_days"])
    try:
        days = int(value)
    except (TypeError, ValueError):
        return [f"retention_in_days {value!r} is not a literal number of days"]
    if days != 0 and days < MINIMUM_DAYS:
        return [f"retention_in_days is {days}, under {MINIMUM_DAYS} days"]
    return []


checks = ign.register(
    id="CKV_IGN_12",
    name="CloudWatch log groups keep logs at least 365 days (or never expire)",
    categories=[CheckCategories.LOGGING],
    rule=rule,
    resources=[tf.LOG_GROUP],
    keys=["retention_in_days"],
)
