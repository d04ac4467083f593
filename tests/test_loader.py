"""taskdef.loader: the RegisterTaskDefinition shape, never coerced, every problem by its JSON path."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from taskdef.input.json_text import MAX_DEPTH, deeper_than, too_deep_at
from taskdef.input.loader import READ_ONLY_FIELDS, load_task_definition
from taskdef.input.overrides import apply_override
from taskdef.input.settings import ROOT
from taskdef.text.errors import InputError

from .conftest import DEFAULT_FILE, FIXTURES, default_settings, default_task_definition, mutate, null_paths, plan_for

VALID = sorted((FIXTURES / "valid").glob("*.json"))


def load(data) -> object:
    return load_task_definition(data if isinstance(data, str) else json.dumps(data), source="td.json")


def error_lines(data, **kwargs) -> list[str]:
    with pytest.raises(InputError) as info:
        load_task_definition(data if isinstance(data, str) else json.dumps(data), source="td.json", **kwargs)
    return info.value.lines()


def without(path: str) -> dict:
    """The default task definition with the key at ``path`` (dotted, [i] for items) removed."""
    data = default_task_definition()
    *parents, last = path.replace("[", ".").replace("]", "").split(".")
    node = data
    for step in parents:
        node = node[int(step)] if step.isdigit() else node[step]
    del node[last]
    return data


def test_the_checked_in_file_loads_unchanged():
    td = load(default_task_definition())
    assert td.data == default_task_definition()
    assert td.warnings == ()


@pytest.mark.parametrize("path", [str(p.relative_to(FIXTURES)) for p in VALID])
def test_any_valid_register_task_definition_input_loads_and_plans(path):
    plan = plan_for(json.loads((FIXTURES / path).read_text(encoding="utf-8")))
    assert plan.task_definition.containers


def test_a_string_for_a_boolean_is_an_error_not_coerced():
    lines = error_lines(mutate(default_task_definition(), "containerDefinitions[0].essential", "yes"))
    assert lines == ['td.json: containerDefinitions[0].essential: must be true or false, got "yes"']


@pytest.mark.parametrize(
    "path, value, expected",
    [
        ("containerDefinitions[0].memory", True, "containerDefinitions[0].memory: must be an integer, got true"),
        ("containerDefinitions[0].memory", 512.0, "containerDefinitions[0].memory: must be an integer, got 512.0"),
        ("containerDefinitions[0].memory", "512", 'containerDefinitions[0].memory: must be an integer, got "512"'),
        ("cpu", 512, "cpu: must be a string, got 512"),
        ("family", None, "family: is required"),  # null means absent, as in the ECS console
        ("containerDefinitions[0].portMappings", {}, "containerDefinitions[0].portMappings: must be a list, got {}"),
        (
            "containerDefinitions[0].logConfiguration.options.awslogs-stream-prefix",
            1,
            "containerDefinitions[0].logConfiguration.options.awslogs-stream-prefix: must be a string, got 1",
        ),
    ],
)
def test_wrong_types_name_the_field_and_the_expected_type(path, value, expected):
    assert error_lines(mutate(default_task_definition(), path, value)) == [f"td.json: {expected}"]


def test_unknown_top_level_key_suggests_the_nearest():
    data = default_task_definition()
    data["containerDefinition"] = data.pop("containerDefinitions")
    lines = error_lines(data)
    assert "td.json: containerDefinition: unknown field; did you mean 'containerDefinitions'?" in lines
    assert "td.json: containerDefinitions: is required" in lines


def test_unknown_nested_key_suggests_the_nearest():
    data = mutate(default_task_definition(), "containerDefinitions[0].readOnlyRootFilesystem", True)
    assert error_lines(data) == [
        "td.json: containerDefinitions[0].readOnlyRootFilesystem: unknown field; did you mean 'readonlyRootFilesystem'?"
    ]


def test_unknown_key_without_a_near_match_lists_the_valid_ones():
    [line] = error_lines(mutate(default_task_definition(), "runtimePlatform.zzz", 1))
    assert line == "td.json: runtimePlatform.zzz: unknown field; expected one of cpuArchitecture, operatingSystemFamily"


@pytest.mark.parametrize(
    "path, value, expected",
    [
        (
            "networkMode",
            "awsvcp",
            "networkMode: must be one of bridge, host, awsvpc, none, got \"awsvcp\"; did you mean 'awsvpc'?",
        ),
        (
            "requiresCompatibilities[0]",
            "fargate",
            "requiresCompatibilities[0]: must be one of EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES, "
            "got \"fargate\"; did you mean 'FARGATE'?",
        ),
        (
            "containerDefinitions[0].portMappings[0].protocol",
            "TCP",
            "containerDefinitions[0].portMappings[0].protocol: must be one of tcp, udp, got \"TCP\"; did you mean 'tcp'?",
        ),
    ],
)
def test_enum_values_are_checked(path, value, expected):
    assert error_lines(mutate(default_task_definition(), path, value)) == [f"td.json: {expected}"]


@pytest.mark.parametrize(
    "path, expected",
    [
        ("family", "family: is required"),
        (
            "containerDefinitions[0].name",
            "containerDefinitions[0].name: is required: ECS rejects a container without a name",
        ),
        (
            "containerDefinitions[0].image",
            "containerDefinitions[0].image: is required: ECS rejects a container without an image",
        ),
        (
            "containerDefinitions[0].logConfiguration.logDriver",
            "containerDefinitions[0].logConfiguration.logDriver: is required",
        ),
        ("containerDefinitions[0].healthCheck.command", "containerDefinitions[0].healthCheck.command: is required"),
        (
            "containerDefinitions[0].environment[0].value",
            "containerDefinitions[0].environment[0].value: is required: "
            "ECS silently drops an environment variable without a value",
        ),
        (
            "containerDefinitions[0].environment[0].name",
            "containerDefinitions[0].environment[0].name: is required: an environment variable needs a name",
        ),
        ("tags[0].key", "tags[0].key: is required: a tag needs a key"),
        (
            "volumes[0].name",
            "volumes[0].name: is required: containers mount a volume by name, and Terraform requires one",
        ),
    ],
)
def test_required_members_name_their_path(path, expected):
    assert error_lines(without(path)) == [f"td.json: {expected}"]


@pytest.mark.parametrize(
    "path, value, expected",
    [
        ("containerDefinitions", [], "containerDefinitions: must hold at least one container definition"),
        (
            "containerDefinitions[0].image",
            "",
            "containerDefinitions[0].image: must not be empty: ECS rejects a container without an image",
        ),
        ("tags[0].key", "", "tags[0].key: must not be empty"),
        (
            "proxyConfiguration",
            {"containerName": "ig-notification", "properties": [{"name": "AppPorts"}]},
            "proxyConfiguration.properties[0].value: is required for a proxy configuration property",
        ),
    ],
)
def test_values_that_ecs_or_terraform_cannot_use(path, value, expected):
    assert error_lines(mutate(default_task_definition(), path, value)) == [f"td.json: {expected}"]


def test_every_problem_is_reported_in_one_run():
    data = default_task_definition()
    data["containerDefinitions"][0]["essential"] = "yes"
    data["containerDefinitions"][0]["memory"] = "1GB"
    data["networkMode"] = "vpc"
    data["containerDefinitions"][0]["portMapping"] = []
    del data["family"]
    paths = [line.split(": ")[1] for line in error_lines(data)]
    assert sorted(paths) == sorted(
        [
            "family",
            "containerDefinitions[0].essential",
            "containerDefinitions[0].memory",
            "containerDefinitions[0].portMapping",
            "networkMode",
        ]
    )


def test_invalid_json_names_line_and_column():
    text = json.dumps(default_task_definition(), indent=2).replace('"essential": true', '"essential": true,,')
    lineno = text[: text.index('"essential"')].count("\n") + 1
    lines = error_lines(text)
    assert len(lines) == 1 and lines[0].startswith("td.json: is not valid JSON: ")
    assert f"line {lineno} column" in lines[0]


@pytest.mark.parametrize("text", ["[]", '"x"', "null", "3"])
def test_a_document_that_is_not_an_object(text):
    assert error_lines(text) == ["td.json: must be a JSON object holding the RegisterTaskDefinition input"]


def test_a_duplicated_key_is_an_error_since_json_keeps_only_the_last():
    text = json.dumps(default_task_definition()).replace('"essential": true', '"essential": true, "essential": false')
    assert error_lines(text) == [
        "td.json: containerDefinitions[0].essential: appears more than once in one object; "
        "JSON keeps only the last, so remove the others"
    ]


def test_a_lone_surrogate_is_an_error_and_the_line_stays_printable():
    text = json.dumps(default_task_definition()).replace('"SERVER_PORT"', '"SERVER_\\ud800PORT"')
    assert error_lines(text) == [
        "td.json: containerDefinitions[0].environment[2].name: is not valid Unicode text (lone surrogate escape)"
    ]


def test_a_key_with_a_newline_stays_on_one_line_and_is_quoted():
    [line] = error_lines(mutate(default_task_definition(), "containerDefinitions[0].bad\nkey", 1))
    assert line.startswith('td.json: containerDefinitions[0]["bad\\nkey"]: unknown field')
    assert "\n" not in line


@pytest.mark.parametrize("depth", [33, 900, 5_000, 100_000])
def test_deep_nesting_is_one_line_naming_where(depth):
    """900 levels passed the parser and broke a walker of the data after it; 5,000 broke the parser."""
    assert error_lines("[" * depth + "]" * depth) == [
        "td.json: nests arrays and objects more than 32 levels deep (line 1, column 33); "
        "no task definition or settings file needs more than a few"
    ]


def test_deep_nesting_inside_the_file_names_its_line_and_column():
    text = json.dumps(default_task_definition(), indent=2).replace('"essential": true', '"essential": ' + "[" * 40)
    line = next(i for i, x in enumerate(text.splitlines(), 1) if '"essential"' in x)
    first = (
        text.splitlines()[line - 1].index("[") + 1
    )  # its column; 3 levels are open before it (file, list, container)
    column = first + 33 - 3 - 1  # the bracket that opens level 33
    [message] = error_lines(text)
    assert message.startswith(
        f"td.json: nests arrays and objects more than 32 levels deep (line {line}, column {column})"
    )


def test_brackets_in_strings_do_not_count_as_nesting():
    data = mutate(default_task_definition(), "containerDefinitions[0].command", ["[" * 100, '{"\\[' * 50])
    assert load(data).containers[0]["command"] == ["[" * 100, '{"\\[' * 50]


def test_every_real_input_nests_far_less_than_the_bound():
    for path in [DEFAULT_FILE, *VALID, *sorted((ROOT / "environments").glob("*.json"))]:
        assert too_deep_at(path.read_text(encoding="utf-8"), limit=8) is None, path
    assert MAX_DEPTH == 32


def test_deeper_than_walks_any_depth_without_recursion():
    value: object = 1
    for _ in range(100_000):
        value = [value]
    assert deeper_than(value) and not deeper_than([[{"a": [1]}]], limit=4) and deeper_than([[{"a": [1]}]], limit=3)


def test_an_override_value_nested_too_deep_is_one_line_against_the_settings_file():
    value: object = "x"
    for _ in range(900):
        value = [value]
    assert error_lines(
        default_task_definition(),
        overrides={"containerDefinitions[0].command": value},
        overrides_source="environments/dev.json",
    ) == [
        'environments/dev.json: task_definition_overrides["containerDefinitions[0].command"]: nests arrays and '
        "objects more than 32 levels deep; no member of a task definition needs more than a few"
    ]


@pytest.mark.parametrize(
    "cpu, memory, expected",
    [
        ("1 vCPU", "2 GB", ("1024", "2048")),
        ("1vcpu", "2gb", ("1024", "2048")),
        ("0.25 vCPU", "0.5 GB", ("256", "512")),
        ("4 vCPU", "30 GB", ("4096", "30720")),
        ("0512", "1024", ("512", "1024")),
    ],
)
def test_unit_strings_are_converted_like_the_api_does(cpu, memory, expected):
    data = default_task_definition()
    data.update(cpu=cpu, memory=memory)
    td = load(data)
    assert (td.data["cpu"], td.data["memory"]) == expected


@pytest.mark.parametrize(
    "key, value", [("cpu", "1.3 vCPU"), ("cpu", "1 core"), ("memory", "2 GiB"), ("memory", "-1"), ("cpu", "\u00b2")]
)
def test_unit_strings_that_are_not_whole_units(key, value):
    [line] = error_lines(mutate(default_task_definition(), key, value))
    assert line.startswith(f"td.json: {key}: must be a whole number of units such as ")


def test_describe_output_is_unwrapped_and_each_read_only_field_dropped_with_one_warning():
    text = (FIXTURES / "valid" / "describe-output.json").read_text(encoding="utf-8")
    wrapped = json.loads(text)
    td = load(text)
    present = [k for k in READ_ONLY_FIELDS if k in wrapped["taskDefinition"]]
    assert len(present) >= 5
    assert list(td.warnings) == [
        f"td.json: taskDefinition.{k}: read-only field of describe-task-definition output, dropped" for k in present
    ]
    assert not set(READ_ONLY_FIELDS) & set(td.data)
    assert td.data["tags"] == wrapped["tags"]  # describe --include TAGS puts them beside taskDefinition


def test_errors_in_describe_output_name_the_path_in_the_file():
    wrapped = json.loads((FIXTURES / "valid" / "describe-output.json").read_text(encoding="utf-8"))
    wrapped["taskDefinition"]["containerDefinitions"][0]["essential"] = "yes"
    wrapped["tags"][0]["key"] = ""
    assert error_lines(wrapped) == [
        'td.json: taskDefinition.containerDefinitions[0].essential: must be true or false, got "yes"',
        "td.json: tags[0].key: must not be empty",
    ]


def test_describe_output_with_other_keys_beside_task_definition():
    wrapped = {"taskDefinition": default_task_definition(), "ResponseMetadata": {}, "failures": []}
    assert error_lines(wrapped) == [
        "td.json: ResponseMetadata: unknown field beside taskDefinition; expected only taskDefinition and tags",
        "td.json: failures: unknown field beside taskDefinition; expected only taskDefinition and tags",
    ]


def test_overrides_are_applied_before_validation():
    broken = mutate(default_task_definition(), "containerDefinitions[0].essential", "yes")
    assert error_lines(broken) == ['td.json: containerDefinitions[0].essential: must be true or false, got "yes"']
    # An override that fixes the value lets the same file pass: validation sees the overridden value.
    td = load_task_definition(
        json.dumps(broken), source="td.json", overrides={"containerDefinitions[name=ig-notification].essential": True}
    )
    assert td.containers[0]["essential"] is True
    # An override that breaks a valid file is reported, noting the settings file that set the value.
    assert error_lines(
        default_task_definition(),
        overrides={"containerDefinitions[0].essential": "no"},
        overrides_source="environments/dev.json",
    ) == [
        'td.json: containerDefinitions[0].essential: must be true or false, got "no" '
        "(value set by task_definition_overrides in environments/dev.json)"
    ]
    # Units too are converted after the overrides.
    td = load_task_definition(
        json.dumps(default_task_definition()), source="td.json", overrides={"cpu": "1 vCPU", "memory": "2 GB"}
    )
    assert (td.data["cpu"], td.data["memory"]) == ("1024", "2048")


def test_an_override_naming_a_missing_path_is_reported_against_the_settings_file():
    lines = error_lines(
        default_task_definition(),
        overrides={"containerDefinitions[3].image": "x", "a..b": 1},
        overrides_source="environments/dev.json",
    )
    assert lines == [
        'environments/dev.json: task_definition_overrides["containerDefinitions[3].image"]: does not exist in td.json',
        'environments/dev.json: task_definition_overrides["a..b"]: is not a JSON path such as '
        "containerDefinitions[name=ig-notification].environment[name=DB_SECRET_ID].value or containerDefinitions[0].image",
    ]


def test_override_problems_do_not_hide_the_file_s_problems():
    data = mutate(default_task_definition(), "containerDefinitions[0].essential", "yes")
    lines = error_lines(
        data, overrides={"containerDefinitions[3].image": "x"}, overrides_source="environments/dev.json"
    )
    assert lines == [
        'environments/dev.json: task_definition_overrides["containerDefinitions[3].image"]: does not exist in td.json',
        'td.json: containerDefinitions[0].essential: must be true or false, got "yes"',
    ]


def test_type_and_unit_problems_come_in_one_run():
    data = mutate(default_task_definition(), "containerDefinitions[0].essential", "yes")
    data["memory"] = "3 GiB"
    assert error_lines(data) == [
        'td.json: containerDefinitions[0].essential: must be true or false, got "yes"',
        'td.json: memory: must be a whole number of units such as "512" or "2 GB", got "3 GiB"',
    ]


# --- override paths: [0] by position, [name=X] / [key=X] by the item's name or key --------------------


def two_containers() -> dict:
    data = default_task_definition()
    data["containerDefinitions"].insert(
        0,
        {
            "name": "sidecar",
            "image": "public.ecr.aws/docker/library/busybox:1.36.1",
            "essential": False,
            "memoryReservation": 64,
            "environment": [{"name": "DB_SECRET_ID", "value": "sidecar"}],
        },
    )
    return data


@pytest.mark.parametrize(
    "path, where",
    [
        (
            "containerDefinitions[name=ig-notification].environment[name=DB_SECRET_ID].value",
            ("containerDefinitions", 1, "environment", 1, "value"),
        ),
        (
            "containerDefinitions[name=sidecar].environment[name=DB_SECRET_ID].value",
            ("containerDefinitions", 0, "environment", 0, "value"),
        ),
        (
            "containerDefinitions[1].environment[name=SERVER_PORT].value",
            ("containerDefinitions", 1, "environment", 2, "value"),
        ),
        ("tags[key=Service].value", ("tags", 0, "value")),
        (
            "containerDefinitions[name=ig-notification].logConfiguration.options.awslogs-group",
            ("containerDefinitions", 1, "logConfiguration", "options", "awslogs-group"),
        ),
    ],
)
def test_a_name_selector_follows_the_item_wherever_it_moved(path, where):
    data = two_containers()
    assert apply_override(data, path, "new") is None
    node = data
    for step in where:
        node = node[step]
    assert node == "new"
    assert data["containerDefinitions"][1]["environment"][0]["value"] == "ap-northeast-2"  # nothing else moved


def test_a_selector_may_replace_a_whole_item():
    data = default_task_definition()
    assert apply_override(data, "tags[key=Service]", {"key": "Service", "value": "x"}) is None
    assert data["tags"] == [{"key": "Service", "value": "x"}]


def test_a_selector_value_may_hold_dots_and_equals_signs():
    data = default_task_definition()
    data["tags"].append({"key": "team.io/owner=a", "value": "b"})
    assert apply_override(data, "tags[key=team.io/owner=a].value", "c") is None
    assert data["tags"][1]["value"] == "c"


@pytest.mark.parametrize(
    "path, message",
    [
        ("containerDefinitions[name=worker].image", "[name=worker] matches no item of containerDefinitions in td.json"),
        (
            "containerDefinitions[name=ig-notification].environment[name=NOPE].value",
            "[name=NOPE] matches no item of containerDefinitions[0].environment in td.json",
        ),
        ("tags[name=Service].value", "[name=Service] matches no item of tags in td.json"),  # tags have key, not name
        ("family[name=x]", "[name=x] needs a list, but family in td.json is not one"),
    ],
)
def test_a_selector_that_matches_nothing_is_reported_with_its_path(path, message):
    lines = error_lines(default_task_definition(), overrides={path: "x"}, overrides_source="environments/dev.json")
    assert lines == [f"environments/dev.json: task_definition_overrides[{json.dumps(path)}]: {message}"]


def test_a_selector_that_matches_several_items_is_reported():
    data = default_task_definition()
    data["containerDefinitions"][0]["environment"].append({"name": "DB_SECRET_ID", "value": "again"})
    path = "containerDefinitions[name=ig-notification].environment[name=DB_SECRET_ID].value"
    lines = error_lines(data, overrides={path: "x"}, overrides_source="environments/dev.json")
    assert lines == [
        f'environments/dev.json: task_definition_overrides["{path}"]: [name=DB_SECRET_ID] matches 2 items '
        f"of containerDefinitions[0].environment in td.json (containerDefinitions[0].environment[1], "
        f"containerDefinitions[0].environment[3]); it must match exactly one"
    ]
    assert data["containerDefinitions"][0]["environment"][1]["value"] == "prod/ignite-pilot/postgresInfo2"


@pytest.mark.parametrize(
    "path",
    [
        "containerDefinitions[name=].image",
        "containerDefinitions[id=x].image",
        "containerDefinitions[name=a]]",
        "[name=a].b",
    ],
)
def test_malformed_selectors_are_not_paths(path):
    problem = apply_override(default_task_definition(), path, "x")
    assert problem is not None and problem.message.startswith("is not a JSON path such as")


def test_a_problem_in_a_value_set_through_a_selector_notes_the_override():
    lines = error_lines(
        default_task_definition(),
        overrides={"containerDefinitions[name=ig-notification].essential": 1},
        overrides_source="environments/dev.json",
    )
    assert lines == [
        "td.json: containerDefinitions[0].essential: must be true or false, got 1 "
        "(value set by task_definition_overrides in environments/dev.json)"
    ]


def test_a_bad_value_from_an_override_says_where_it_came_from():
    lines = error_lines(
        default_task_definition(),
        overrides={"containerDefinitions[0].essential": "no"},
        overrides_source="environments/dev.json",
    )
    assert lines == [
        'td.json: containerDefinitions[0].essential: must be true or false, got "no" '
        "(value set by task_definition_overrides in environments/dev.json)"
    ]


def test_apply_override_never_creates_intermediate_objects():
    data = default_task_definition()
    before = copy.deepcopy(data)
    assert apply_override(data, "ephemeralStorage.sizeInGiB", 30) is not None
    assert apply_override(data, "containerDefinitions[1].name", "x") is not None
    assert data == before
    assert apply_override(data, "ephemeralStorage", {"sizeInGiB": 30}) is None
    assert data["ephemeralStorage"] == {"sizeInGiB": 30}


def test_the_default_settings_point_at_the_checked_in_file():
    assert (
        default_settings().task_definition_file == Path(__file__).resolve().parent.parent / "ecs-task-definition.json"
    )


def test_null_members_are_dropped_with_one_warning_naming_the_first_paths():
    data = default_task_definition()
    data.update(ipcMode=None, pidMode=None, proxyConfiguration=None, inferenceAccelerators=None)
    data["containerDefinitions"][0].update(extraHosts=None, user=None)
    data["containerDefinitions"][0]["mountPoints"][0]["readOnly"] = None
    td = load(data)
    assert list(td.warnings) == [
        "td.json: 7 null member(s) dropped, since JSON null means absent as in the ECS "
        "console: ipcMode, pidMode, proxyConfiguration and 4 more"
    ]
    assert not null_paths(td.data)
    assert "readOnly" not in td.data["containerDefinitions"][0]["mountPoints"][0]


def test_a_null_list_item_is_still_a_type_error():
    data = mutate(default_task_definition(), "containerDefinitions[0].healthCheck.command", ["CMD-SHELL", None])
    assert error_lines(data) == ["td.json: containerDefinitions[0].healthCheck.command[1]: must be a string, got null"]


def test_a_file_without_nulls_gets_no_null_warning():
    assert load(default_task_definition()).warnings == ()
