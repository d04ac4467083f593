"""The project checks' base classes and registration (CKV_IGN_*); registers no check itself.

Checkov execs every ``.py`` file in this directory and puts the directory on ``sys.path``, so the
check modules import this one, and ign_terraform (the reading code), by their bare names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from ign_terraform import POLICY_DOCUMENT, POLICY_RESOURCES, Statement, Unreadable, container_definitions, statements

# --- Check base classes ----------------------------------------------------------------------

# A rule: (entity type, Checkov conf) -> problems found, or None when the rule does not apply.
Rule = Callable[[str, dict[str, Any]], "list[str] | None"]


def _result(check: Any, rule: Rule, conf: dict[str, Any]) -> CheckResult:
    try:
        problems = rule(check.entity_type, conf)
    except Exception as exc:  # noqa: BLE001 - Checkov turns an exception into a silent UNKNOWN; fail closed instead
        check.details.append(f"{check.id} could not read this {check.entity_type}: {exc!r}")
        return CheckResult.FAILED
    if problems is None:
        return CheckResult.UNKNOWN
    check.details.extend(problems)
    return CheckResult.FAILED if problems else CheckResult.PASSED


class _ResourceRule(BaseResourceCheck):
    def __init__(
        self,
        *,
        id: str,
        name: str,
        categories: Iterable[CheckCategories],
        entities: Iterable[str],
        rule: Rule,
        keys: list[str],
    ) -> None:
        self._rule, self._keys = rule, keys
        super().__init__(name=name, id=id, categories=categories, supported_resources=list(entities))

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        self.evaluated_keys = list(self._keys)
        return _result(self, self._rule, conf)


class _DataRule(BaseDataCheck):
    def __init__(
        self,
        *,
        id: str,
        name: str,
        categories: Iterable[CheckCategories],
        entities: Iterable[str],
        rule: Rule,
        keys: list[str],
    ) -> None:
        self._rule, self._keys = rule, keys
        super().__init__(name=name, id=id, categories=categories, supported_data=list(entities))

    def scan_data_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        self.evaluated_keys = list(self._keys)
        return _result(self, self._rule, conf)


def register(
    *,
    id: str,
    name: str,
    categories: Iterable[CheckCategories],
    rule: Rule,
    resources: Iterable[str] = (),
    data: Iterable[str] = (),
    keys: list[str] | None = None,
) -> list[Any]:
    """Register ``rule`` under one check ID for resource types and/or data source types.

    Checkov keeps resource and data checks in separate registries; one ID in both
    reports both kinds of block under the same check.
    """
    checks: list[Any] = []
    categories = list(categories)
    if resources:
        checks.append(
            _ResourceRule(id=id, name=name, categories=categories, entities=resources, rule=rule, keys=keys or [])
        )
    if data:
        checks.append(_DataRule(id=id, name=name, categories=categories, entities=data, rule=rule, keys=keys or []))
    return checks


def policy_rule(
    statement_problems: Callable[[Statement], Iterator[str]], applies: Callable[[Statement], bool] = lambda s: True
) -> Rule:
    """A rule over every readable statement of a policy; None when no statement ``applies``."""

    def rule(entity_type: str, conf: dict[str, Any]) -> list[str] | None:
        found = statements(entity_type, conf)
        relevant = [s for s in found or [] if applies(s)]
        if not relevant:
            return None
        return [p for s in relevant for p in statement_problems(s)]

    return rule


def container_rule(container_problems: Callable[[int, dict[str, Any]], Iterator[str]]) -> Rule:
    """A rule over every container; None when container_definitions is unreadable (CKV_IGN_14 reports that)."""

    def rule(entity_type: str, conf: dict[str, Any]) -> list[str] | None:
        try:
            containers = container_definitions(conf)
        except Unreadable:
            return None
        return [p for i, c in enumerate(containers) for p in container_problems(i, c)]

    return rule


POLICY_ENTITIES = {"resources": POLICY_RESOURCES, "data": (POLICY_DOCUMENT,)}
