"""The emulator's patches of moto, in-process and without a server: each follows ECS, and the project's
rules where they speak of the same thing."""

from __future__ import annotations

import json

import pytest

from taskdef.input import rules
from taskdef.input.loader import load_task_definition

from .conftest import default_settings, default_task_definition
from .emulator import _keep_external_network_mode


@pytest.fixture
def external_patch(monkeypatch):
    """The EXTERNAL patch applied to moto's TaskDefinition for one test (moto runs in a subprocess otherwise)."""
    from moto.ecs.models import TaskDefinition

    monkeypatch.setattr(TaskDefinition, "__init__", TaskDefinition.__init__)  # restored after the test
    _keep_external_network_mode()
    return TaskDefinition


@pytest.mark.parametrize(
    "compatibilities, mode, registered",
    [
        (["EXTERNAL"], "awsvpc", None),
        (["EC2", "EXTERNAL"], "awsvpc", None),
        (["EXTERNAL"], "bridge", "bridge"),
        (["EXTERNAL"], "host", "host"),
        (["EXTERNAL"], "none", "none"),
        (["EXTERNAL"], None, "bridge"),
    ],
)
def test_the_external_patch_refuses_what_the_rules_refuse(external_patch, compatibilities, mode, registered):
    from moto.ecs.exceptions import EcsClientException

    data = dict(default_task_definition(), requiresCompatibilities=compatibilities)
    data.pop("networkMode")
    if mode:
        data["networkMode"] = mode
    refused_by_rules = [
        p.path for p in rules.check(load_task_definition(json.dumps(data), source="td.json"), default_settings())
    ] == ["networkMode"]
    assert refused_by_rules == (registered is None)

    def register():
        return external_patch(
            "x",
            1,
            [{"name": "c", "image": "i", "memory": 512}],
            "575084400422",
            "ap-northeast-2",
            network_mode=mode,
            requires_compatibilities=compatibilities,
        )

    if registered is None:
        with pytest.raises(EcsClientException, match="awsvpc"):
            register()
    elif compatibilities == ["EXTERNAL"]:
        assert (register().network_mode, register().compatibilities) == (registered, ["EXTERNAL"])
