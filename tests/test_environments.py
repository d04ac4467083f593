"""One settings file per environment, one stack each, with distinct names and state."""
from __future__ import annotations

import dataclasses
import json

from taskdef.settings import environment_names, load_settings, selected_environments

from .conftest import plan_for, run_main


def test_environment_files():
    assert {"dev", "prod"} <= set(environment_names())


def test_selection_variable():
    assert selected_environments({}) == ["prod"]
    assert selected_environments({"IG_ENV": "dev"}) == ["dev"]
    assert selected_environments({"IG_ENV": "all"}) == environment_names()


def test_environments_have_distinct_names_and_state():
    plans = [plan_for(settings=load_settings(name, environ={})) for name in environment_names()]
    for attribute in (lambda p: p.settings.stack_name, lambda p: p.task_definition.family,
                      lambda p: tuple(r.name for r in p.roles), lambda p: tuple(g.name for g in p.log_groups),
                      lambda p: p.deployer.policy_name):
        values = [attribute(p) for p in plans]
        assert len(set(values)) == len(values), values


def test_dev_overrides_only_what_its_settings_name():
    prod, dev = (plan_for(settings=load_settings(n, environ={})) for n in ("prod", "dev"))
    overrides = load_settings("dev", environ={}).task_definition_overrides
    assert dev.task_definition.family == overrides["family"]
    prod_data, dev_data = json.loads(json.dumps(prod.task_definition.data)), json.loads(json.dumps(dev.task_definition.data))
    for key in ("family", "executionRoleArn", "taskRoleArn", "tags"):
        prod_data.pop(key), dev_data.pop(key)
    prod_c, dev_c = prod_data.pop("containerDefinitions")[0], dev_data.pop("containerDefinitions")[0]
    assert prod_data == dev_data
    prod_c.pop("environment"), dev_c.pop("environment")
    prod_c.pop("logConfiguration"), dev_c.pop("logConfiguration")
    assert prod_c == dev_c


def test_task_definition_file_variable_points_anywhere(tmp_path):
    source = json.loads(load_settings("prod", environ={}).task_definition_file.read_text())
    source["family"] = "elsewhere"
    path = tmp_path / "td.json"
    path.write_text(json.dumps(source))
    settings = load_settings("prod", environ={"TASK_DEFINITION_FILE": str(path)})
    assert settings.task_definition_file == path
    assert plan_for(source, dataclasses.replace(settings)).task_definition.family == "elsewhere"


def test_main_synthesizes_every_environment_at_once(tmp_path):
    outdir = tmp_path / "out"
    result = run_main(outdir, IG_ENV="all")
    assert result.returncode == 0, result.stderr
    stacks = sorted(p.name for p in (outdir / "stacks").iterdir())
    assert stacks == sorted(load_settings(n, environ={}).stack_name for n in environment_names())
    paths = {json.loads((outdir / "stacks" / s / "cdk.tf.json").read_text())["terraform"]["backend"]["local"]["path"]
             for s in stacks}
    assert len(paths) == len(stacks)
    manifest = json.loads((outdir / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == stacks
