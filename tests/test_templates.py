"""Unrendered templates are refused with every problem, then one hint that says what is going on."""

from __future__ import annotations

import json

import pytest

from taskdef.input.templates import find_placeholder
from taskdef.model.pipeline import plan_from_text
from taskdef.text.errors import InputError

from .conftest import FIXTURES, default_settings, default_task_definition, mutate
from .test_main_errors import outdir, run_bad  # noqa: F401 - outdir is a fixture

TEMPLATED = FIXTURES / "templated"


def refusal(name: str) -> tuple[list[str], tuple[str, ...]]:
    with pytest.raises(InputError) as info:
        plan_from_text((TEMPLATED / name).read_text(encoding="utf-8"), settings=default_settings(), source=name)
    return info.value.lines(), info.value.hints


def hint(name: str, where: str, placeholder: str) -> str:
    return (
        f"{name} looks like an unrendered template: {where} holds {placeholder!r}. Render it first (for example "
        f"with ecspresso or envsubst) and point TASK_DEFINITION_FILE at the result"
    )


ROLE_ARN = "must be an IAM role ARN such as arn:aws:iam::123456789012:role/name, got"


def test_an_ecspresso_template():
    assert refusal("ecspresso.json") == (
        [
            'ecspresso.json: cpu: must be a whole number of units such as "256" or "1 vCPU", got "{{ env `CPU` `512` }}"',
            "ecspresso.json: containerDefinitions[0].image: must not contain whitespace, "
            'got "{{ must_env `AWS_ACCOUNT_ID` }}.dkr.ecr.ap-northeast-2.a...',
            f"ecspresso.json: executionRoleArn: {ROLE_ARN} 'arn:aws:iam::{{{{ must_env `AWS_ACCOUNT_ID` }}}}:role/ecsTaskExecutionRole'",
            f"ecspresso.json: taskRoleArn: {ROLE_ARN} 'arn:aws:iam::{{{{ must_env `AWS_ACCOUNT_ID` }}}}:role/ecsTaskRole'",
        ],
        (hint("ecspresso.json", "taskRoleArn", "{{ must_env `AWS_ACCOUNT_ID` }}"),),
    )


def test_an_envsubst_template():
    assert refusal("envsubst.json") == (
        [
            "envsubst.json: family: must be up to 255 letters, digits, '-' and '_', got 'ig-notification-${ENVIRONMENT}'",
            "envsubst.json: containerDefinitions[0].logConfiguration.options.awslogs-group: must be a log group name "
            "(up to 512 letters, digits and _-./#), got '/ecs/ig-notification-${ENVIRONMENT}'",
            f"envsubst.json: executionRoleArn: {ROLE_ARN} 'arn:aws:iam::$AWS_ACCOUNT_ID:role/ecsTaskExecutionRole'",
            f"envsubst.json: taskRoleArn: {ROLE_ARN} 'arn:aws:iam::$AWS_ACCOUNT_ID:role/ecsTaskRole'",
        ],
        (hint("envsubst.json", "family", "${ENVIRONMENT}"),),
    )


def test_sample_placeholders():
    assert refusal("sample-placeholders.json") == (
        [
            f"sample-placeholders.json: executionRoleArn: {ROLE_ARN} 'arn:aws:iam::XXXXXXXXXXXX:role/ecsTaskExecutionRole'",
            f"sample-placeholders.json: taskRoleArn: {ROLE_ARN} 'arn:aws:iam::<your-account-id>:role/ecsTaskRole'",
        ],
        (hint("sample-placeholders.json", "taskRoleArn", "<your-account-id>"),),
    )


def test_a_template_that_is_not_json_yet():
    assert refusal("go-template-unquoted.json") == (
        [
            "go-template-unquoted.json: is not valid JSON: Expecting property name enclosed in double quotes at line 6 "
            "column 14",
        ],
        (hint("go-template-unquoted.json", "line 6", "{{ .Values.memory }}"),),
    )


@pytest.mark.parametrize(
    "value", ["CHANGEME_ECR_REPOSITORY_URI:1.4.2", "xxxxxxxxxxxx.dkr.ecr.ap-northeast-2.amazonaws.com/a:1"]
)
def test_each_placeholder_form_is_recognized(value):
    assert find_placeholder(mutate(default_task_definition(), "containerDefinitions[0].image", value)) is not None


@pytest.mark.parametrize(
    "path, value",
    [
        ("containerDefinitions[0].command", ["sh", "-c", "exec app --port=$SERVER_PORT ${EXTRA_ARGS}"]),
        ("containerDefinitions[0].entryPoint", ["/bin/sh", "-c", "echo {{not a template}}"]),
        ("containerDefinitions[0].environment[0].value", "Hello ${name}, $USER"),
        ("containerDefinitions[0].healthCheck.command", ["CMD-SHELL", "curl -f http://localhost:$PORT/ || exit 1"]),
        ("containerDefinitions[0].dockerLabels", {"traefik.http.routers.app.rule": "Host(`${HOST}`)"}),
    ],
)
def test_a_dollar_in_what_the_program_reads_is_no_placeholder(path, value):
    assert find_placeholder(mutate(default_task_definition(), path, value)) is None


def test_no_hint_for_a_file_that_only_has_problems():
    data = mutate(default_task_definition(), "containerDefinitions[0].essential", "yes")
    with pytest.raises(InputError) as info:
        plan_from_text(json.dumps(data), settings=default_settings(), source="td.json")
    assert info.value.hints == ()


def test_a_valid_file_with_dollars_in_commands_plans(tmp_path):
    """describe-flat.json has $QUEUE_NAME in its command and ${name} in an environment value."""
    assert plan_from_text(
        (FIXTURES / "valid" / "describe-flat.json").read_text(encoding="utf-8"),
        settings=default_settings(),
        source="describe-flat.json",
    )


def test_the_main_job_prints_the_hint_after_the_problems(outdir, tmp_path):  # noqa: F811
    path = tmp_path / "task-definition.json"
    path.write_text((TEMPLATED / "sample-placeholders.json").read_text(encoding="utf-8"), encoding="utf-8")
    assert run_bad(outdir, path) == [
        f"error: {path}: executionRoleArn: {ROLE_ARN} 'arn:aws:iam::XXXXXXXXXXXX:role/ecsTaskExecutionRole'",
        f"error: {path}: taskRoleArn: {ROLE_ARN} 'arn:aws:iam::<your-account-id>:role/ecsTaskRole'",
        f"hint: {hint(str(path), 'taskRoleArn', '<your-account-id>')}",
        "2 problem(s); nothing was written.",
    ]


def test_a_broken_console_export_names_each_field():
    """Nulls go, but a null where a value is required is still 'required'; a bad option is named."""
    export = json.loads((FIXTURES / "valid" / "console-export.json").read_text(encoding="utf-8"))
    export["containerDefinitions"][0]["image"] = None
    export["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-create-group"] = "yes"
    with pytest.raises(InputError) as info:
        plan_from_text(json.dumps(export), settings=default_settings(), source="console.json")
    assert info.value.lines() == [
        "console.json: containerDefinitions[0].image: is required: ECS rejects a container without an image",
        'console.json: containerDefinitions[0].logConfiguration.options.awslogs-create-group: must be "true" or '
        "\"false\", got 'yes'",
    ]
    assert info.value.hints == ()
