"""One settings file per environment, one stack each, with distinct names and state."""

from __future__ import annotations

import json
import re

import pytest

from taskdef.input.environments import environment_names, load_settings, selected_environments
from taskdef.model.pipeline import load_plan

from .conftest import plan_for


def test_environment_files():
    assert {"dev", "prod"} <= set(environment_names())


def test_selection_variable():
    assert selected_environments({}) == ["prod"]
    assert selected_environments({"IG_ENV": "dev"}) == ["dev"]
    assert selected_environments({"IG_ENV": "all"}) == environment_names()


def test_environments_have_distinct_names_and_state():
    plans = [plan_for(settings=load_settings(name, environ={})) for name in environment_names()]
    for attribute in (
        lambda p: p.settings.stack_name,
        lambda p: p.task_definition.family,
        lambda p: tuple(r.name for r in p.roles),
        lambda p: tuple(g.name for g in p.log_groups),
        lambda p: p.deployer.policy_name,
    ):
        values = [attribute(p) for p in plans]
        assert len(set(values)) == len(values), values


def test_dev_overrides_only_what_its_settings_name():
    prod, dev = (plan_for(settings=load_settings(n, environ={})) for n in ("prod", "dev"))
    overrides = load_settings("dev", environ={}).task_definition_overrides
    assert dev.task_definition.family == overrides["family"]
    prod_data, dev_data = (
        json.loads(json.dumps(prod.task_definition.data)),
        json.loads(json.dumps(dev.task_definition.data)),
    )
    for key in ("family", "executionRoleArn", "taskRoleArn", "tags"):
        prod_data.pop(key), dev_data.pop(key)
    prod_c, dev_c = prod_data.pop("containerDefinitions")[0], dev_data.pop("containerDefinitions")[0]
    assert prod_data == dev_data
    prod_c.pop("environment"), dev_c.pop("environment")
    prod_c.pop("logConfiguration"), dev_c.pop("logConfiguration")
    assert prod_c == dev_c


@pytest.mark.parametrize("environment", ["prod", "dev"])
def test_task_definition_file_variable_points_anywhere(tmp_path, environment):
    source = json.loads(load_settings("prod", environ={}).task_definition_file.read_text())
    source["family"] = "elsewhere"
    source["containerDefinitions"][0]["image"] = "575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/elsewhere:2.0.0"
    path = tmp_path / "td.json"
    path.write_text(json.dumps(source))
    settings = load_settings(environment, environ={"TASK_DEFINITION_FILE": str(path)})
    assert settings.task_definition_file == path
    plan = load_plan(settings)  # reads the file the way the main job does
    assert plan.task_definition.source == str(path)
    assert plan.task_definition.containers[0]["image"].endswith("/elsewhere:2.0.0")
    expected_family = settings.task_definition_overrides.get("family", "elsewhere")
    assert plan.task_definition.family == expected_family


def test_dev_overrides_select_items_by_name_so_reordering_the_file_changes_nothing(tmp_path):
    source = json.loads(load_settings("prod", environ={}).task_definition_file.read_text())
    container = source["containerDefinitions"][0]
    container["environment"].reverse()
    source["containerDefinitions"].insert(
        0,
        {
            "name": "sidecar",
            "image": "public.ecr.aws/docker/library/busybox:1.36.1",
            "essential": False,
            "memoryReservation": 64,
            "readonlyRootFilesystem": True,
            "environment": [{"name": "DB_SECRET_ID", "value": "unrelated"}],
        },
    )
    source["tags"].insert(0, {"key": "Team", "value": "ignite"})
    path = tmp_path / "td.json"
    path.write_text(json.dumps(source))
    plan = load_plan(load_settings("dev", environ={"TASK_DEFINITION_FILE": str(path)}))
    sidecar, app = plan.task_definition.containers
    assert {e["name"]: e["value"] for e in app["environment"]}["DB_SECRET_ID"] == "dev/ignite-pilot/postgresInfo2"
    assert sidecar["environment"] == [{"name": "DB_SECRET_ID", "value": "unrelated"}]
    assert app["logConfiguration"]["options"]["awslogs-group"] == "/ecs/ig-notification-dev"
    assert plan.task_definition.data["tags"] == [
        {"key": "Team", "value": "ignite"},
        {"key": "Service", "value": "ig-notification-dev"},
    ]


def test_dev_overrides_use_name_selectors_wherever_an_item_has_a_name():
    for path in load_settings("dev", environ={}).task_definition_overrides:
        assert not re.search(r"\[[0-9]+\]", path), path


def test_main_synthesizes_every_environment_at_once(all_environments_output):
    outdir = all_environments_output
    stacks = sorted(p.name for p in (outdir / "stacks").iterdir())
    assert stacks == sorted(load_settings(n, environ={}).stack_name for n in environment_names())
    paths = {
        json.loads((outdir / "stacks" / s / "cdk.tf.json").read_text())["terraform"]["backend"]["local"]["path"]
        for s in stacks
    }
    assert len(paths) == len(stacks)
    manifest = json.loads((outdir / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == stacks
