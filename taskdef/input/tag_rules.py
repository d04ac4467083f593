"""Service rules on the task definition's tags, counted with the settings' default_tags that the provider adds."""

from __future__ import annotations

from taskdef.input.loader import TaskDefinition
from taskdef.input.rule_base import reads
from taskdef.input.settings import Settings
from taskdef.input.tag_limits import MAX_TAGS, PROVENANCE_KEYS, key_problems, value_problems
from taskdef.text.errors import Problem
from taskdef.text.i18n import t


@reads("tags")
def tags(td: TaskDefinition, settings: Settings) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, str] = {}  # each name, where it first appears
    items = td.data.get("tags", [])
    # The provider's default_tags land on the task definition too, except where the file sets the same key.
    added = [key for key in settings.default_tags if key not in {tag["key"] for tag in items}]
    # Every revision the product registers also carries its provenance tags (tag_limits.PROVENANCE_KEYS).
    total = len(items) + len(added) + len(PROVENANCE_KEYS)
    if total > MAX_TAGS:
        keys = ", ".join(PROVENANCE_KEYS)
        if added:
            message = t(
                "rules.tags_with_defaults",
                count=len(items),
                added=len(added),
                source=settings.source or "settings",
                provenance=len(PROVENANCE_KEYS),
                keys=keys,
                total=total,
                limit=MAX_TAGS,
            )
        else:
            message = t("rules.tags_1", count=len(items), provenance=len(PROVENANCE_KEYS), keys=keys, total=total)
        problems.append(Problem("tags", message))
    for k, tag in enumerate(items):
        key = tag["key"]
        if key in seen:
            # Terraform takes tags as a map: a repeated key would silently keep only one value.
            problems.append(Problem(f"tags[{k}].key", t("rules.tags_2", seen=seen[key])))
        seen.setdefault(key, f"tags[{k}]")
        problems += [Problem(f"tags[{k}].key", message) for message in key_problems(key)]
        problems += [Problem(f"tags[{k}].value", message) for message in value_problems(tag.get("value", ""))]
    return problems
