"""taskdef/account/render.py and `main.py render`: the RegisterTaskDefinition input a deploy registers."""

from __future__ import annotations

import json

import pytest

import main
from taskdef.account.image_check import ImageRefused
from taskdef.account.render import deploy_definition, render_deploy
from taskdef.model.normalize import differences, from_describe
from taskdef.model.provenance import DEPLOY, content_digest, read_provenance
from taskdef.model.rendered import render_task_definition

from .conftest import FIXTURES

REPOSITORY = "575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification"
DIGEST = "sha256:" + "3b" * 32
IMAGE = f"{REPOSITORY}@{DIGEST}"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
RUN = "https://github.com/ignite-pilot/ig-notification/actions/runs/1234567890"


def test_the_deploy_registers_the_stack_s_rendering_with_its_image_and_provenance(default_plan):
    out = deploy_definition(default_plan, IMAGE, commit=COMMIT, run=RUN)
    stack = json.loads(render_task_definition(default_plan))
    found = differences(stack, out)
    assert found == [
        ("containerDefinitions[name=ig-notification].image", f"{REPOSITORY}:1.4.2", IMAGE),
        ("tags[key=taskdef:commit].value", None, COMMIT),
        ("tags[key=taskdef:digest].value", None, content_digest(out)),
        ("tags[key=taskdef:run].value", None, RUN),
        ("tags[key=taskdef:writer].value", None, DEPLOY),
    ]


def test_what_render_prints_reads_as_the_deploy_s_once_aws_describes_it(default_plan):
    out = json.loads(render_deploy(default_plan, IMAGE, commit=COMMIT))
    described = from_describe(json.loads((FIXTURES / "describe" / "fargate-prod.json").read_text(encoding="utf-8")))
    described["containerDefinitions"][0]["image"] = IMAGE
    described["tags"] = out["tags"]
    found = read_provenance(described)
    assert (found.writer, found.commit, found.run) == (DEPLOY, COMMIT, "")
    described["containerDefinitions"][0]["memory"] = 2048  # edited after: no longer the deploy's
    assert read_provenance(described).writer == "outside"


def test_render_is_plain_ascii_json_ready_for_register_task_definition(default_plan):
    text = render_deploy(default_plan, IMAGE)
    assert text.isascii() and text.endswith("}\n")
    data = json.loads(text)
    assert set(data) == set(json.loads(render_task_definition(default_plan)))
    assert [t["key"] for t in data["tags"]] == ["Service", "taskdef:writer", "taskdef:digest"]


@pytest.mark.parametrize(
    ("image", "commit", "run", "said"),
    [
        (f"{REPOSITORY}:latest", "", "", "names no fixed image"),
        ("575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/other:1.5.0", "", "", "other"),
        (IMAGE, "main#1", "", "commit: cannot be written as a tag"),
        (IMAGE, "", "r" * 257, "run: cannot be written as a tag"),
    ],
)
def test_refused_offline_in_one_line(default_plan, image, commit, run, said):
    with pytest.raises(ImageRefused) as info:
        deploy_definition(default_plan, image, commit=commit, run=run)
    assert said in str(info.value.text.in_("en"))


def test_main_render_takes_the_commit_and_run_from_github_actions(capsys):
    environ = {
        "IG_ENV": "prod",
        "GITHUB_SHA": COMMIT,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "ignite-pilot/ig-notification",
        "GITHUB_RUN_ID": "1234567890",
    }
    assert main.main(environ, ["render", "--image", IMAGE]) == 0
    tags = {t["key"]: t["value"] for t in json.loads(capsys.readouterr().out)["tags"]}
    assert (tags["taskdef:commit"], tags["taskdef:run"]) == (COMMIT, RUN)


def test_main_render_refuses_in_the_reader_s_language(capsys):
    assert main.main({"IG_ENV": "prod", "REPORT_LANGUAGE": "ko"}, ["render", "--image", f"{REPOSITORY}:latest"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("오류: render: ") and len(captured.err.splitlines()) == 1


def test_main_render_needs_one_environment(capsys):
    assert main.main({"IG_ENV": "all"}, ["render", "--image", IMAGE]) == 2
    assert "render" in capsys.readouterr().err
