"""The reader's language: REPORT_LANGUAGE, else the locale, else English."""

from __future__ import annotations

from collections.abc import Mapping

from taskdef.text.errors import InputError, Problem
from taskdef.text.i18n import DEFAULT_LANGUAGE, LANGUAGES, t


def language_from_env(environ: Mapping[str, str]) -> str:
    """REPORT_LANGUAGE, else the locale (LC_ALL, LC_MESSAGES, LANG: ko_KR.UTF-8 is Korean), else English."""
    value = (environ.get("REPORT_LANGUAGE") or "").strip().lower()
    if value:
        if value not in LANGUAGES:
            raise InputError(
                "REPORT_LANGUAGE",
                [Problem("", t("settings.language_unknown", languages=", ".join(LANGUAGES), got=repr(value)))],
            )
        return value
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        locale = (environ.get(name) or "").strip()
        if locale:
            code = locale.split(".")[0].split("_")[0].lower()
            return code if code in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE
