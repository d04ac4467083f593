"""Where settings come from: the environment files in ``environments/``, which of them ``IG_ENV`` selects,
and Terraform Cloud's own variables."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from taskdef.input.files import read_input_file
from taskdef.input.json_text import parse_json
from taskdef.input.setting_values import describe
from taskdef.input.settings import ROOT, Settings, parse_settings
from taskdef.text.errors import InputError, Problem
from taskdef.text.i18n import t

ENVIRONMENTS_DIR = ROOT / "environments"


DEFAULT_ENVIRONMENT = "prod"


def environment_names() -> list[str]:
    return sorted(p.stem for p in ENVIRONMENTS_DIR.glob("*.json"))


def load_settings(environment: str, *, environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    known = ", ".join(environment_names())
    if not re.fullmatch(r"[A-Za-z0-9_-]+", environment):
        raise InputError(
            "IG_ENV", [Problem("", t("settings.load_settings_1", value=describe(environment), known=known))]
        )
    path = ENVIRONMENTS_DIR / f"{environment}.json"
    source = os.path.relpath(path, ROOT)
    if not path.exists():  # anything else there (a directory, a FIFO) is read_input_file's to name
        raise InputError("IG_ENV", [Problem("", t("settings.load_settings_2", source=source, known=known))])
    data = parse_json(read_input_file(path, source), source)
    return parse_settings(data, source=source, task_definition_file=environ.get("TASK_DEFINITION_FILE") or None)


def selected_environments(environ: Mapping[str, str] | None = None) -> list[str]:
    environ = os.environ if environ is None else environ
    choice = environ.get("IG_ENV", DEFAULT_ENVIRONMENT).strip() or DEFAULT_ENVIRONMENT
    return environment_names() if choice == "all" else [choice]


@dataclass(frozen=True)
class CloudSettings:
    organization: str
    workspace: str
    hostname: str | None = None
    project: str | None = None


def cloud_settings(environ: Mapping[str, str]) -> CloudSettings | None:
    """Terraform's own variables select Terraform Cloud: TF_CLOUD_ORGANIZATION and TF_WORKSPACE."""
    org, workspace = environ.get("TF_CLOUD_ORGANIZATION"), environ.get("TF_WORKSPACE")
    if not org and not workspace:
        return None
    if not (org and workspace):
        missing = "TF_WORKSPACE" if org else "TF_CLOUD_ORGANIZATION"
        raise InputError("environment", [Problem(missing, t("settings.cloud_settings_1"))])
    return CloudSettings(
        org, workspace, environ.get("TF_CLOUD_HOSTNAME") or None, environ.get("TF_CLOUD_PROJECT") or None
    )
