"""taskdef.settings: a bad settings file is an error that names the setting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from taskdef.input import environments as environments_module
from taskdef.input import settings as settings_module
from taskdef.input.environments import load_settings
from taskdef.input.files import MAX_INPUT_BYTES
from taskdef.input.setting_values import STACK_NAME_MAX
from taskdef.input.settings import ROOT, DeployerSettings, S3BackendSettings, parse_settings
from taskdef.text.errors import InputError

PROD = json.loads((ROOT / "environments" / "prod.json").read_text(encoding="utf-8"))


def lines(data, **kwargs) -> list[str]:
    with pytest.raises(InputError) as info:
        parse_settings(data, source="environments/x.json", **kwargs)
    return info.value.lines()


def changed(**values) -> dict:
    data = json.loads(json.dumps(PROD))
    for key, value in values.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def test_the_checked_in_settings_parse():
    s = parse_settings(PROD, source="environments/prod.json")
    assert (s.account_id, s.region, s.partition) == ("575084400422", "ap-northeast-2", "aws")
    assert s.task_definition_file == ROOT / "ecs-task-definition.json"


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"account_id": "57508440042"}, 'account_id: must be a 12-digit AWS account ID, got "57508440042"'),
        ({"account_id": 575084400422}, "account_id: must be a string, got 575084400422"),
        ({"region": "Seoul"}, 'region: must be an AWS region such as ap-northeast-2, got "Seoul"'),
        (
            {"log_group_retention_in_days": 42},
            "log_group_retention_in_days: must be 0 (never expire) or one of 365, 400, ",
        ),
        ({"log_group_retention_in_days": True}, "log_group_retention_in_days: must be an integer, got true"),
        ({"log_group_kms_key_id": "alias/logs"}, "log_group_kms_key_id: must be null or a KMS key ARN"),
        ({"stack_name": "ig/prod"}, "stack_name: must be at most 226 letters, digits, '-' and '_', starting with"),
        ({"runtime_secrets": ["prod/db", ""]}, 'runtime_secrets[1]: must be a non-empty string, got ""'),
        ({"runtime_secrets": ["prod db"]}, "runtime_secrets[0]: must be a Secrets Manager secret name"),
        (
            {"secrets_kms_key_arns": ["arn:aws:kms:ap-northeast-2:575084400422:alias/x"]},
            "secrets_kms_key_arns[0]: must be a KMS key ARN",
        ),
        ({"roles": {"mode": "import"}}, 'roles.mode: must be one of create, adopt, external, got "import"'),
        (
            {"roles": {"mode": "create", "pass_only": ["ecsTaskRole"]}},
            'roles.pass_only: applies only with roles.mode "external"',
        ),
        ({"deployer": {"user_name": "dev pilot"}}, "deployer.user_name: must be an IAM user name"),
        ({"deployer": {"attach": "yes"}}, 'deployer.attach: must be true or false, got "yes"'),
        ({"deployer": {"role_name": "ci deployer"}}, "deployer.role_name: must be an IAM role name"),
        ({"deployer": {"role_name": 7}}, "deployer.role_name: must be a string, got 7"),
        ({"default_tags": {"Service": 1}}, "default_tags.Service: must be a string, got 1"),
        ({"log_retention": 365}, "log_retention: unknown setting; did you mean 'log_group_retention_in_days'?"),
        ({"roles": {"mod": "create"}}, "roles.mod: unknown setting; did you mean 'mode'?"),
        ({"s3_backend": {"bucket": "ig-state"}}, "s3_backend.key: is required"),
        (
            {"s3_backend": {"bucket": "ig-state", "key": "ig/prod.tfstate", "region": "seoul"}},
            "s3_backend.region: must be an AWS region",
        ),
        ({"region": None}, "region: is required"),
    ],
)
def test_a_bad_setting_is_named(values, expected):
    found = lines(changed(**values))
    assert any(line.startswith(f"environments/x.json: {expected}") for line in found), found


@pytest.mark.parametrize("days", [1, 30, 180])
def test_a_retention_under_a_year_is_refused_because_the_policy_check_fails_it(days):
    [line] = lines(changed(log_group_retention_in_days=days))
    assert line == (
        f"environments/x.json: log_group_retention_in_days: must be 0 (never expire) or one of 365, 400, "
        f"545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days, got {days}: the policy check CKV_IGN_12 "
        f"fails a log group that keeps logs under 365 days"
    )


def test_a_retention_cloudwatch_does_not_offer_says_so():
    [line] = lines(changed(log_group_retention_in_days=366))
    assert line.endswith("got 366: CloudWatch Logs accepts only these periods")


@pytest.mark.parametrize("days", [0, 365, 400, 731, 3653])
def test_retentions_of_a_year_or_more_or_never_expiring_parse(days):
    assert parse_settings(changed(log_group_retention_in_days=days), source="x").log_group_retention_in_days == days


def test_every_bad_setting_is_reported_at_once():
    found = lines(changed(account_id="x", region="y", log_group_retention_in_days=2, roles={"mode": "z"}))
    assert [line.split(": ")[1] for line in found] == [
        "account_id",
        "region",
        "log_group_retention_in_days",
        "roles.mode",
    ]


def test_a_complete_s3_backend_parses():
    s = parse_settings(
        changed(s3_backend={"bucket": "ig-state", "key": "ig/prod.tfstate", "region": "ap-northeast-2"}), source="x"
    )
    assert s.s3_backend == S3BackendSettings("ig-state", "ig/prod.tfstate", "ap-northeast-2")


# --- the deployer: an IAM user (the default) or an IAM role ------------------------------------


@pytest.mark.parametrize(
    "name, shown",
    [
        ("ci deployer", '"ci deployer"'),
        ("ci/deployer", '"ci/deployer"'),  # a path is not part of a role's name
        ("", '""'),
        ("r" * 65, '"' + "r" * 56 + "..."),
    ],
)
def test_a_bad_deployer_role_name_is_one_line_naming_the_field(name, shown):
    [line] = lines(changed(deployer={"role_name": name}))
    assert line == (
        f"environments/x.json: deployer.role_name: must be an IAM role name (up to 64 letters, digits "
        f"and +=,.@_-), got {shown}"
    )


@pytest.mark.parametrize("name", ["ci-deployer", "GitHubActions+=,.@_-Deploy", "r" * 64])
def test_a_deployer_role_name_parses_and_leaves_no_user(name):
    deployer = parse_settings(changed(deployer={"role_name": name}), source="x").deployer
    assert (deployer.kind, deployer.name, deployer.role_name, deployer.user_name) == ("role", name, name, None)
    assert (deployer.policy_name, deployer.attach) == ("ig-notification-deployer", True)


def test_a_deployer_naming_both_a_user_and_a_role_is_refused_naming_both_fields():
    [line] = lines(changed(deployer={"user_name": "dev-pilot-reader", "role_name": "ci-deployer"}))
    assert line == (
        "environments/x.json: deployer.role_name: cannot be set together with deployer.user_name: the "
        "deployer is one IAM user or one IAM role, so remove one"
    )


def test_a_null_deployer_role_name_is_a_type_error_not_absent():
    [line] = lines(changed(deployer={"user_name": "dev-pilot-reader", "role_name": None}))
    assert line == "environments/x.json: deployer.role_name: must be a string, got null"


def test_existing_settings_still_name_the_user():
    for data in (PROD, changed(deployer={"policy_name": "p"}), changed(deployer=None)):
        deployer = parse_settings(data, source="x").deployer
        assert (deployer.kind, deployer.user_name, deployer.role_name) == ("user", "dev-pilot-reader", None)


def test_deployer_settings_built_in_code_with_both_names_stop_at_first_use():
    assert DeployerSettings().user_name == "dev-pilot-reader"
    assert DeployerSettings(role_name="ci-deployer").user_name is None
    with pytest.raises(ValueError, match="deployer.user_name and deployer.role_name are both set"):
        DeployerSettings(user_name="u", role_name="r").kind  # noqa: B018


def test_settings_that_are_not_an_object():
    assert lines([]) == ["environments/x.json: must be an object"]


@pytest.fixture
def environments(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(environments_module, "ENVIRONMENTS_DIR", tmp_path)
    monkeypatch.setattr(environments_module, "ROOT", tmp_path.parent)
    monkeypatch.setattr(settings_module, "ROOT", tmp_path.parent)
    return tmp_path


def test_a_settings_file_that_is_not_json(environments):
    (environments / "qa.json").write_text('{"environment": "qa",}', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_settings("qa", environ={})
    [line] = info.value.lines()
    assert line.startswith(f"{environments.name}/qa.json: is not valid JSON: ") and "line 1 column" in line


def test_a_settings_file_that_is_not_utf8(environments):
    (environments / "qa.json").write_bytes(b'{"environment": "\xff"}')
    with pytest.raises(InputError, match="is not UTF-8 text"):
        load_settings("qa", environ={})


def test_a_duplicated_setting(environments):
    (environments / "qa.json").write_text('{"region": "ap-northeast-2", "region": "us-east-1"}', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_settings("qa", environ={})
    assert info.value.lines() == [
        f"{environments.name}/qa.json: region: appears more than once in one object; "
        f"JSON keeps only the last, so remove the others"
    ]


@pytest.mark.parametrize("name", ["staging", "../prod", "a b"])
def test_an_unknown_environment_names_ig_env(name):
    with pytest.raises(InputError) as info:
        load_settings(name, environ={})
    [line] = info.value.lines()
    assert line.startswith("IG_ENV: ") and "known environments: dev" in line


def test_task_definition_file_variable_wins(tmp_path):
    path = tmp_path / "td.json"
    assert load_settings("prod", environ={"TASK_DEFINITION_FILE": str(path)}).task_definition_file == path.resolve()


# --- deployer.run ----------------------------------------------------------------------------------

RUN = {"cluster": "ig-pilot", "services": ["ig-notification"], "run_task": True, "wait": True}


def test_a_deployer_run_parses_with_its_defaults():
    run = parse_settings(
        changed(deployer={"role_name": "ci", "run": {"cluster": "ig-pilot", "services": ["a"]}}), source="x"
    ).deployer.run
    assert (run.cluster, run.services, run.run_task, run.wait) == ("ig-pilot", ("a",), False, True)
    assert parse_settings(changed(deployer={"role_name": "ci", "run": RUN}), source="x").deployer.run.run_task is True
    assert parse_settings(PROD, source="x").deployer.run is None
    assert parse_settings(changed(deployer={"run": None}), source="x").deployer.run is None


@pytest.mark.parametrize(
    "run, expected",
    [
        ({"services": ["a"]}, "deployer.run.cluster: is required"),
        (
            {**RUN, "cluster": "ig pilot"},
            "deployer.run.cluster: must be an ECS cluster name (up to 255 letters, digits, "
            "'-' and '_'), got \"ig pilot\"",
        ),
        ({**RUN, "services": ["ok", "a/b"]}, "deployer.run.services[1]: must be an ECS service name"),
        ({**RUN, "services": ["a", "a"]}, "deployer.run.services[1]: names a twice"),
        ({**RUN, "services": "a"}, 'deployer.run.services: must be a list, got "a"'),
        ({**RUN, "run_task": "yes"}, 'deployer.run.run_task: must be true or false, got "yes"'),
        ({**RUN, "wiat": False}, "deployer.run.wiat: unknown setting; did you mean 'wait'?"),
        (
            {"cluster": "ig-pilot"},
            "deployer.run: grants nothing: name the services the deployer updates, or set "
            "run_task true, or remove deployer.run",
        ),
        ({"cluster": "ig-pilot", "services": [], "run_task": False}, "deployer.run: grants nothing"),
        ("ig-pilot", "deployer.run: must be an object"),
    ],
)
def test_a_bad_deployer_run_is_named(run, expected):
    [line] = lines(changed(deployer={"role_name": "ci", "run": run}))
    assert line.startswith(f"environments/x.json: {expected}")


def test_a_settings_file_that_is_a_fifo_is_refused_without_waiting(environments):
    os.mkfifo(environments / "qa.json")
    with pytest.raises(InputError) as info:
        load_settings("qa", environ={})
    assert info.value.lines() == [
        f"{environments.name}/qa.json: is a FIFO (named pipe), not a regular file, so it is not read"
    ]


def test_a_settings_file_that_is_a_directory_is_refused(environments):
    (environments / "qa.json").mkdir()
    with pytest.raises(InputError) as info:
        load_settings("qa", environ={})
    assert info.value.lines() == [f"{environments.name}/qa.json: is a directory, not a regular file, so it is not read"]


def test_a_settings_file_over_the_size_limit(environments):
    (environments / "qa.json").write_bytes(b" " * (MAX_INPUT_BYTES + 1))
    with pytest.raises(InputError) as info:
        load_settings("qa", environ={})
    [line] = info.value.lines()
    assert line.startswith(f"{environments.name}/qa.json: is {MAX_INPUT_BYTES + 1} bytes, over the 1024 KiB")


@pytest.mark.parametrize("depth", [900, 5_000])
def test_overrides_nested_hundreds_of_levels_deep_are_one_line(environments, depth):
    """900 levels passed the parser and broke copy.deepcopy with a RecursionError; 5,000 broke the parser."""
    text = json.dumps(changed()).replace(
        '"default_tags"', '"task_definition_overrides": {"family": ' + "[" * depth + "]" * depth + '}, "default_tags"'
    )
    (environments / "qa.json").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_settings("qa", environ={})
    [line] = info.value.lines()
    assert line.startswith(f"{environments.name}/qa.json: nests arrays and objects more than 32 levels deep (line 1, ")


# --- stack_name -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["a" * 300, "a" * (STACK_NAME_MAX + 1), "1-prod", "-prod", "ig prod", "ig*prod", "ig.prod", "ig-프로드"]
)
def test_a_stack_name_terraform_or_cdktf_would_refuse(name):
    """300 characters passed and cdktf failed with a jsii JavaScriptError deep in the construct tree."""
    [line] = lines(changed(stack_name=name))
    assert line == (
        "environments/x.json: stack_name: must be at most 226 letters, digits, '-' and '_', starting with a letter or "
        "'_' (a Terraform identifier; cdktf names a directory after it, and Terraform's local state lock file "
        ".terraform.<name>.tfstate.lock.info must stay within the file system's 255 characters), "
        f"got {settings_module.describe(name)}"
    )


@pytest.mark.parametrize("name", ["a", "_a", "ig-notification-prod", "Ig_2", "a" * STACK_NAME_MAX])
def test_a_stack_name_terraform_and_cdktf_accept(name):
    assert parse_settings(changed(stack_name=name), source="x").stack_name == name


def test_the_longest_stack_name_leaves_room_for_the_local_state_lock_file(tmp_path):
    assert STACK_NAME_MAX == 226
    name = "a" * STACK_NAME_MAX
    for file_name in (name, f"terraform.{name}.tfstate.backup", f".terraform.{name}.tfstate.lock.info"):
        (tmp_path / file_name).write_text("", encoding="utf-8")  # what cdktf and Terraform's local backend write
    with pytest.raises(OSError):
        (tmp_path / f".terraform.{name}a.tfstate.lock.info").write_text("", encoding="utf-8")


def test_a_bad_stack_name_stops_before_cdktf_is_loaded(tmp_path):
    (tmp_path / "qa.json").write_text(json.dumps(changed(stack_name="a" * 300)), encoding="utf-8")
    code = (
        "import sys\n"
        "from taskdef.input import environments\n"
        "from taskdef.model.pipeline import JobError, prepare\n"
        f"environments.ENVIRONMENTS_DIR = environments.ROOT = __import__('pathlib').Path({str(tmp_path)!r})\n"
        "try:\n    prepare({'IG_ENV': 'qa'})\nexcept JobError as exc:\n    print(exc.lines[0])\n"
        "print('cdktf' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    first, loaded = out.stdout.splitlines()
    assert first.startswith("qa.json: stack_name: must be at most 226 letters") and loaded == "False"


# --- default_tags: each a valid tag, on every resource of the stack ----------------------------------------------


@pytest.mark.parametrize(
    "tags, expected",
    [
        ({"aws:owner": "x"}, "default_tags.aws:owner: must not start with 'aws:' (reserved for AWS), got 'aws:owner'"),
        ({"Aws:Owner": "x"}, "default_tags.Aws:Owner: must not start with 'aws:'"),
        ({"TaskDef:writer": "stack"}, "default_tags.TaskDef:writer: must not start with 'taskdef:'"),
        ({"k" * 129: "x"}, f"default_tags.{'k' * 129}: a tag key must be at most 128 characters, got 129"),
        ({"Team": "v" * 257}, "default_tags.Team: a tag value must be at most 256 characters, got 257"),
        (
            {"cost#center": "x"},
            'default_tags["cost#center"]: a tag key may hold only letters, digits, spaces and + - = . _ : / @',
        ),
        (
            {"Team": "a;b"},
            'default_tags.Team: a tag value may hold only letters, digits, spaces and + - = . _ : / @, got ";"',
        ),
        ({"": "x"}, 'default_tags[""]: a tag key must not be empty'),
        (
            {f"T{i}": "x" for i in range(51)},
            "default_tags: holds 51 tags, over the 50 AWS allows on one resource; "
            "the provider adds every one of them to each resource of the stack",
        ),
    ],
)
def test_default_tags_aws_refuses(tags, expected):
    [line] = lines(changed(default_tags=tags))
    assert line.startswith(f"environments/x.json: {expected}")


@pytest.mark.parametrize(
    "tags",
    [
        {},
        {"팀": "알림 서비스", "Cost-Center": "a+b=c._:/@ 1"},
        {"k" * 128: "v" * 256},
        {f"T{i}": "" for i in range(50)},
    ],
)
def test_default_tags_aws_accepts(tags):
    assert parse_settings(changed(default_tags=tags), source="x").default_tags == tags


def test_default_tags_problems_are_said_in_korean():
    with pytest.raises(InputError) as info:
        parse_settings(changed(default_tags={"Team": "v" * 257}), source="environments/x.json")
    assert info.value.lines("ko") == [
        f'environments/x.json: default_tags.Team: 태그 값은 256자 이하여야 합니다(지금 길이: 257자, 값: "{"v" * 56}...)'
    ]


GITHUB = {"repository": "ignite-pilot/ig-notification", "environment": "staging"}


def test_a_deployer_github_parses_and_is_absent_by_default():
    github = parse_settings(changed(deployer={"role_name": "ci", "github": GITHUB}), source="x").deployer.github
    assert (github.repository, github.environment) == ("ignite-pilot/ig-notification", "staging")
    assert parse_settings(PROD, source="x").deployer.github is None
    assert parse_settings(changed(deployer={"role_name": "ci", "github": None}), source="x").deployer.github is None


@pytest.mark.parametrize(
    "deployer, expected",
    [
        (
            {"role_name": "ci", "github": {**GITHUB, "repository": "ig-notification"}},
            "deployer.github.repository: must be a GitHub repository as OWNER/REPO",
        ),
        (
            {"role_name": "ci", "github": {**GITHUB, "repository": "ignite-pilot/ig notification"}},
            "deployer.github.repository: must be a GitHub repository as OWNER/REPO",
        ),
        (
            {"role_name": "ci", "github": {**GITHUB, "repository": "-ignite/ig-notification"}},
            "deployer.github.repository: must be a GitHub repository as OWNER/REPO",
        ),
        (
            {"role_name": "ci", "github": {**GITHUB, "environment": "prod:*"}},
            "deployer.github.environment: must be a GitHub environment name",
        ),
        ({"role_name": "ci", "github": {"repository": "a/b"}}, "deployer.github.environment: is required"),
        ({"role_name": "ci", "github": {**GITHUB, "branch": "main"}}, "deployer.github.branch: unknown setting"),
        ({"user_name": "dev-pilot-reader", "github": GITHUB}, "deployer.github: needs deployer.role_name"),
        ({"github": GITHUB}, "deployer.github: needs deployer.role_name"),
    ],
)
def test_a_bad_deployer_github_is_named(deployer, expected):
    [line] = lines(changed(deployer=deployer))
    assert line.startswith(f"environments/x.json: {expected}"), line


# --- deployer.owns: fields the deploy owns beside the image, as main.py diff names them ---------------------------

FLAG = "containerDefinitions[name=ig-notification].environment[name=FEATURE_FLAG].value"


def test_deployer_owns_takes_paths_as_diff_names_them():
    settings = parse_settings(changed(deployer={"owns": [FLAG, "memory"]}), source="x")
    assert settings.deployer.owns == (FLAG, "memory")
    assert parse_settings(PROD, source="x").deployer.owns == ()


@pytest.mark.parametrize(
    "owns, expected",
    [
        (
            [FLAG, "containerDefinitions[0].image"],
            "deployer.owns[1]: must be a path as main.py diff names a field: members joined by '.', a list item by "
            "its name, e.g. containerDefinitions[name=app].environment[name=FEATURE_FLAG].value, "
            'got "containerDefinitions[0].image"',
        ),
        (["environment..value"], "deployer.owns[0]: must be a path as main.py diff names a field"),
        ([""], 'deployer.owns[0]: must be a non-empty string, got ""'),
        (FLAG, "deployer.owns: must be a list"),
    ],
)
def test_a_bad_deployer_owns_is_named_in_one_line(owns, expected):
    [line] = lines(changed(deployer={"owns": owns}))
    assert line.startswith(f"environments/x.json: {expected}"), line
