"""taskdef/model/provenance.py: who registered a revision, bound to what it holds."""

from __future__ import annotations

import copy
import json

import pytest

from taskdef.model.normalize import from_describe
from taskdef.model.provenance import (
    DEPLOY,
    OUTSIDE,
    STACK,
    content_digest,
    provenance_tags,
    read_provenance,
    stack_provenance,
    with_provenance,
)
from taskdef.model.rendered import render_task_definition

from .conftest import FIXTURES, fixture_plan, synth_stack

NEW_IMAGE = "575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification@sha256:" + "3b" * 32


def running() -> dict:
    """The prod file's revision as AWS describes it (tests/fixtures/describe/fargate-prod.json)."""
    text = (FIXTURES / "describe" / "fargate-prod.json").read_text(encoding="utf-8")
    return from_describe(json.loads(text))


def tagged(revision: dict, tags: dict[str, str]) -> dict:
    out = copy.deepcopy(revision)
    out["tags"] = [t for t in out.get("tags", []) if not t["key"].startswith("taskdef:")]
    out["tags"] += [{"key": k, "value": v} for k, v in tags.items()]
    return out


def test_the_stack_s_digest_is_the_digest_of_its_revision_as_aws_describes_it(default_plan):
    tags = stack_provenance(default_plan)
    assert tags == {"taskdef:writer": STACK, "taskdef:digest": content_digest(running())}
    assert tags["taskdef:digest"] == content_digest(json.loads(render_task_definition(default_plan)))


def test_the_stack_writes_its_provenance_on_the_revision(default_plan, default_synth):
    resource = default_synth["resource"]["aws_ecs_task_definition"]["task_definition"]
    assert resource["tags"] == {"Service": "ig-notification", **stack_provenance(default_plan)}


def test_a_revision_the_stack_registered_reads_as_the_stack_s(default_plan):
    assert read_provenance(tagged(running(), stack_provenance(default_plan))).writer == STACK


def test_a_console_copy_with_its_tags_and_one_more_variable_reads_as_outside(default_plan):
    copied = tagged(running(), stack_provenance(default_plan))
    copied["containerDefinitions"][0]["environment"].append({"name": "LOG_LEVEL", "value": "debug"})
    found = read_provenance(copied)
    assert found.writer == OUTSIDE
    assert found.claimed == STACK  # what the copied tags say, for the report


def test_a_revision_without_provenance_reads_as_outside():
    found = read_provenance(running())
    assert (found.writer, found.claimed) == (OUTSIDE, "")


def test_a_writer_the_product_does_not_have_reads_as_outside():
    revision = running()
    found = read_provenance(tagged(revision, {"taskdef:writer": "console", "taskdef:digest": content_digest(revision)}))
    assert (found.writer, found.claimed) == (OUTSIDE, "console")


def test_a_deploy_s_revision_reads_as_the_deploy_s_with_its_commit_and_run(default_plan):
    rendered = json.loads(render_task_definition(default_plan))
    rendered["containerDefinitions"][0]["image"] = NEW_IMAGE
    registered = with_provenance(rendered, DEPLOY, commit="a" * 40, run="1234567890")
    described = running()
    described["containerDefinitions"][0]["image"] = NEW_IMAGE
    described["tags"] = registered["tags"]
    found = read_provenance(described)
    assert (found.writer, found.commit, found.run) == (DEPLOY, "a" * 40, "1234567890")


def test_the_digest_leaves_out_tags_and_what_aws_fills_in(default_plan):
    rendered = json.loads(render_task_definition(default_plan))
    with_defaults_tags = {**rendered, "tags": rendered["tags"] + [{"key": "ManagedBy", "value": "cdktf"}]}
    assert content_digest(with_defaults_tags) == content_digest(rendered) == content_digest(running())
    changed = copy.deepcopy(rendered)
    changed["memory"] = "2048"
    assert content_digest(changed) != content_digest(rendered)


def test_with_provenance_keeps_the_file_s_tags_and_replaces_stale_provenance(default_plan):
    rendered = json.loads(render_task_definition(default_plan))
    once = with_provenance(rendered, STACK)
    rendered["containerDefinitions"][0]["image"] = NEW_IMAGE
    again = with_provenance({**rendered, "tags": once["tags"]}, DEPLOY, run="42")
    keys = [t["key"] for t in again["tags"]]
    assert keys == ["Service", "taskdef:writer", "taskdef:digest", "taskdef:run"]
    assert {t["key"]: t["value"] for t in again["tags"]}["taskdef:digest"] == content_digest(rendered)


@pytest.mark.parametrize(
    ("writer", "commit", "run"), [("console", "", ""), (DEPLOY, "", "run#1"), (DEPLOY, "x" * 257, "")]
)
def test_provenance_a_tag_could_not_hold_is_refused(writer, commit, run):
    with pytest.raises(ValueError):
        provenance_tags(running(), writer, commit, run)


def test_a_stack_of_another_file_has_another_digest():
    plan = fixture_plan("multi-container")
    _, synth = synth_stack(plan)
    tags = synth["resource"]["aws_ecs_task_definition"]["task_definition"]["tags"]
    assert tags["taskdef:writer"] == STACK
    assert tags["taskdef:digest"] == content_digest(json.loads(render_task_definition(plan)))
    assert tags["taskdef:digest"] != content_digest(running())
