"""permissions.md's words: its templates in each language, and Markdown-safe text."""

from __future__ import annotations

import re
from typing import Any

from taskdef.model.plan import TASK_EXECUTION_ROLE, Plan, Role
from taskdef.text.i18n import LANGUAGES, say, section

# The permissions.md templates of each language: the "report" section of taskdef/text/messages/<language>.toml.
CATALOGS: dict[str, dict[str, str]] = {language: section(language, "report") for language in LANGUAGES}


class Messages:
    """permissions.md's templates in one language; ``say`` renders a plan's reason or warning in it too."""

    def __init__(self, language: str) -> None:
        if language not in CATALOGS:
            raise ValueError(f"report language must be one of {', '.join(LANGUAGES)}, got {language!r}")
        self.language, self._templates = language, CATALOGS[language]

    def __call__(self, key: str, /, **fields: Any) -> str:  # positional-only: a field may be called key
        return self._templates[key].format(**{k: say(v, self.language) for k, v in fields.items()})

    def say(self, value: Any) -> str:
        return say(value, self.language)


def messages(language: str) -> Messages:
    return Messages(language)


# Markdown would read these as emphasis, code or HTML; '_' only matters at a word edge.
_MD_SPECIAL = re.compile(r"[\\`*<]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_text(text: str) -> str:
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def cell(text: str) -> str:
    return md_text(text).replace("|", "\\|")


def deployer_kind(plan: Plan) -> str:
    return "kind_deployer_role" if plan.deployer.kind == "role" else "kind_user"


def role_kind(role: Role) -> str:
    if role.also_used_as:
        return "kind_both_roles"
    return "kind_task_execution_role" if role.key == TASK_EXECUTION_ROLE else "kind_task_role"


def pass_only(role: Role) -> bool:
    return not role.attach_policies


def trust_managed(plan: Plan) -> bool:
    return plan.settings.roles.mode in ("create", "adopt")
