"""A policy statement as a person reads it: by policy and Sid, or by its place when it has no Sid.

A role's trust policy is named ``<role> trust`` (``policies``, ``reader``); the engine names a statement without
a Sid by its index (``#1``). In English that stays ``ecsTaskRole trust/#1``; other languages say it in words.
"""

from __future__ import annotations

from taskdef.text.i18n import Text, t

TRUST_SUFFIX = " trust"


def statement(policy: str, sid: str) -> Text:
    index = sid[1:] if sid.startswith("#") and sid[1:].isdigit() else None
    if policy.endswith(TRUST_SUFFIX):
        role = policy[: -len(TRUST_SUFFIX)]
        if index:
            return t("common.trust_statement_index", role=role, n=index)
        return t("common.trust_statement", role=role, sid=sid)
    if index:
        return t("common.statement_index", policy=policy, n=index)
    return t("common.statement", policy=policy, sid=sid)
