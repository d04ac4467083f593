"""What AWS accepts as a tag (the ECS API reference's Tag, which IAM and CloudWatch Logs share): for the task
definition's own tags and for the settings' default_tags, which the provider adds to every resource."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping

from taskdef.text.errors import Problem, join_path
from taskdef.text.i18n import Text, t

# "Maximum number of tags per resource - 50"; "Maximum key length - 128 Unicode characters"; "Maximum value
# length - 256 Unicode characters"; the pattern of both: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$.
MAX_TAGS = 50
MAX_KEY = 128
MAX_VALUE = 256
PUNCTUATION = "_.:/=+-@"
# The tags that say who registered a revision, from which content, commit and workflow run
# (taskdef/model/provenance.py). The product writes them on every revision it registers, so a file may not set
# them, and they count against MAX_TAGS beside the file's and the settings' tags.
PROVENANCE_PREFIX = "taskdef:"
PROVENANCE_KEYS = ("taskdef:writer", "taskdef:digest", "taskdef:commit", "taskdef:run")
# The writers: the stack on `cdktf deploy`, the deploy workflow through `main.py render`. The deployer may write
# only the second.
STACK_WRITER, DEPLOY_WRITER = "stack", "deploy"


def _shown(text: str) -> str:
    shown = json.dumps(text, ensure_ascii=False)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def refused_characters(text: str) -> str:
    """The characters of ``text`` that a tag may not hold (letters, numbers and spaces of any script are fine)."""
    bad = (c for c in text if unicodedata.category(c)[0] not in "LNZ" and c not in PUNCTUATION)
    return "".join(dict.fromkeys(bad))


def key_problems(key: str) -> list[Text]:
    out = []
    if not key:
        out.append(t("rules.tag_key_empty"))
    if key.lower().startswith("aws:"):  # reserved in any case: AWS:, Aws:
        out.append(t("rules.tags_3", key=repr(key)))
    if key.lower().startswith(PROVENANCE_PREFIX):
        out.append(t("rules.tag_key_provenance", prefix=PROVENANCE_PREFIX, key=_shown(key)))
    if len(key) > MAX_KEY:
        out.append(t("rules.tag_key_long", limit=MAX_KEY, length=len(key), key=_shown(key)))
    if bad := refused_characters(key):
        out.append(t("rules.tag_key_characters", chars=_shown(bad), key=_shown(key)))
    return out


def value_problems(value: str) -> list[Text]:
    out = []
    if len(value) > MAX_VALUE:
        out.append(t("rules.tag_value_long", limit=MAX_VALUE, length=len(value), value=_shown(value)))
    if bad := refused_characters(value):
        out.append(t("rules.tag_value_characters", chars=_shown(bad), value=_shown(value)))
    return out


def default_tags_problems(default_tags: Mapping[str, str]) -> list[Problem]:
    """Settings default_tags: each a valid tag, and no more than one resource may hold."""
    problems = []
    if len(default_tags) > MAX_TAGS:
        problems.append(
            Problem("default_tags", t("settings.default_tags_count", count=len(default_tags), limit=MAX_TAGS))
        )
    for key, value in default_tags.items():
        path = join_path("default_tags", key)
        problems += [Problem(path, message) for message in key_problems(key) + value_problems(value)]
    return problems
