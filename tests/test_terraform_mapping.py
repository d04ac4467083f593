"""Every RegisterTaskDefinition field survives the trip into aws_ecs_task_definition."""

from __future__ import annotations

import dataclasses
import json
import re

from taskdef.input.loader import register_input_shape
from taskdef.input.tag_limits import PROVENANCE_PREFIX
from taskdef.input.task_rules import PROVIDER_LACKS
from taskdef.model.provenance import stack_provenance
from taskdef.model.terraform import FIELD_MAP, snake

from .conftest import FIXTURES, default_settings, default_task_definition, mutate, plan_for, synth_stack
from .harness import contains

EVERY_FIELD = json.loads((FIXTURES / "valid" / "every-field.json").read_text())


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() if p != "gib" else "GiB" for p in rest)


def camel_keys(value, keep_maps=()):
    if isinstance(value, dict):
        return {camel(k): (v if k in keep_maps else camel_keys(v, keep_maps)) for k, v in value.items()}
    if isinstance(value, list):
        return [camel_keys(v, keep_maps) for v in value]
    return value


def to_register_input(synth: dict) -> dict:
    """Inverse of taskdef.terraform, written independently: synthesized resource -> CLI input."""
    resources = synth["resource"]
    (td,) = resources["aws_ecs_task_definition"].values()
    log_groups = {k: v["name"] for k, v in resources.get("aws_cloudwatch_log_group", {}).items()}
    roles = {
        **{f"aws_iam_role.{k}": v for k, v in resources.get("aws_iam_role", {}).items()},
        **{f"data.aws_iam_role.{k}": v for k, v in synth.get("data", {}).get("aws_iam_role", {}).items()},
    }

    def role_arn(ref: str) -> str:
        role = roles[re.fullmatch(r"\$\{((?:data\.)?aws_iam_role\.\w+)\.arn\}", ref).group(1)]
        return f"arn:aws:iam::575084400422:role{role.get('path', '/')}{role['name']}"

    text = re.sub(
        r"\$\{aws_cloudwatch_log_group\.(\w+)\.name\}", lambda m: log_groups[m.group(1)], td["container_definitions"]
    )
    out = {"family": td["family"], "containerDefinitions": json.loads(text)}
    for key, value in td.items():
        if key in ("family", "container_definitions", "skip_destroy", "//"):
            continue
        if key in ("task_role_arn", "execution_role_arn"):
            out[camel(key)] = role_arn(value)
        elif key == "volume":
            vols = []
            for v in value:
                item = {}
                for k, val in v.items():
                    if k == "host_path":
                        item["host"] = {"sourcePath": val}
                    elif k == "configure_at_launch":
                        item["configuredAtLaunch"] = val
                    else:
                        item[camel(k)] = camel_keys(val, keep_maps=("driver_opts", "labels"))
                vols.append(item)
            out["volumes"] = vols
        elif key == "tags":
            # The stack's provenance tags are its own, not the file's (tests/test_provenance.py checks them).
            own = {k: v for k, v in value.items() if not k.startswith(PROVENANCE_PREFIX)}
            if own:
                out["tags"] = sorted(({"key": k, "value": v} for k, v in own.items()), key=lambda t: t["key"])
        elif key == "proxy_configuration":
            out["proxyConfiguration"] = {
                "type": value["type"],
                "containerName": value["container_name"],
                "properties": sorted(
                    ({"name": k, "value": v} for k, v in value["properties"].items()), key=lambda p: p["name"]
                ),
            }
        elif key == "placement_constraints":
            out["placementConstraints"] = camel_keys(value)
        else:
            out[{"requires_compatibilities": "requiresCompatibilities"}.get(key, camel(key))] = camel_keys(value)
    return out


def test_field_map_covers_the_whole_botocore_input_shape():
    assert set(FIELD_MAP) == set(register_input_shape().members)


def test_every_field_fixture_uses_every_input_member():
    """Every member is round-tripped by every-field.json, or refused at synth because the bound provider has no
    argument for it (task_rules.PROVIDER_LACKS, each with its failing case in tests/test_rules.py)."""
    lacking = {member for member, _ in PROVIDER_LACKS if "[]" not in member}
    assert set(EVERY_FIELD) | lacking == set(register_input_shape().members)
    assert not set(EVERY_FIELD) & lacking


def as_the_api_keeps_it(raw: dict) -> dict:
    """The file as written, with what RegisterTaskDefinition itself converts, written out here and not taken
    from the loader (so a loader that lost a member cannot pass), and what Terraform keeps unordered sorted."""
    expected = json.loads(json.dumps(raw))
    units = {"cpu": {"1 vCPU": "1024"}, "memory": {"2 GB": "2048"}}  # every-field's; "512" stays "512"
    for key, table in units.items():
        if key in expected:
            expected[key] = table.get(expected[key], expected[key])
    if expected.get("inferenceAccelerators") == []:
        expected.pop("inferenceAccelerators")  # empty: no argument exists for it in hashicorp/aws 6.x
    if "tags" in expected:
        expected["tags"] = sorted(expected["tags"], key=lambda t: t["key"])  # a map in Terraform
    if expected.get("proxyConfiguration", {}).get("properties"):
        expected["proxyConfiguration"]["properties"].sort(key=lambda p: p["name"])
    return expected


def every_field_round_trip() -> dict:
    # Created roles carry their path in the stack (a data source knows only the name).
    plan = plan_for(EVERY_FIELD, default_settings(roles=dataclasses.replace(default_settings().roles, mode="create")))
    return to_register_input(synth_stack(plan)[1])


def test_every_field_round_trips_through_the_synthesized_resource():
    assert every_field_round_trip() == as_the_api_keeps_it(EVERY_FIELD)
    # the unit strings were converted as the API converts them
    assert (EVERY_FIELD["cpu"], EVERY_FIELD["memory"]) == ("1 vCPU", "2 GB")


def test_a_member_the_loader_drops_fails_the_round_trip(monkeypatch):
    """Compared with the loader's own output, a member the loader lost would be missing on both sides."""
    import taskdef.model.pipeline

    read = taskdef.model.pipeline.read_task_definition

    def losing(*args, **kwargs):
        td, problems = read(*args, **kwargs)
        del td.data["containerDefinitions"][1]["user"]
        return td, problems

    monkeypatch.setattr(taskdef.model.pipeline, "read_task_definition", losing)
    assert contains(as_the_api_keeps_it(EVERY_FIELD), every_field_round_trip()) == [
        "containerDefinitions[1].user: missing (expected '1337')"
    ]


def test_default_file_round_trips(default_synth):
    assert to_register_input(default_synth) == as_the_api_keeps_it(default_task_definition())


def test_role_arns_and_log_groups_become_references(default_synth):
    (td,) = default_synth["resource"]["aws_ecs_task_definition"].values()
    assert td["execution_role_arn"] == "${data.aws_iam_role.task_execution_role.arn}"
    assert td["task_role_arn"] == "${data.aws_iam_role.task_role.arn}"
    (container,) = json.loads(td["container_definitions"])
    group = container["logConfiguration"]["options"]["awslogs-group"]
    assert re.fullmatch(r"\$\{aws_cloudwatch_log_group\.\w+\.name\}", group)


def test_container_definitions_hold_only_the_array():
    (td,) = synth_stack(plan_for())[1]["resource"]["aws_ecs_task_definition"].values()
    containers = json.loads(td["container_definitions"])
    assert isinstance(containers, list)
    assert [c["name"] for c in containers] == [c["name"] for c in default_task_definition()["containerDefinitions"]]


def test_snake_case_names_match_provider_arguments():
    assert snake("operatingSystemFamily") == "operating_system_family"
    assert snake("fsxWindowsFileServerVolumeConfiguration") == "fsx_windows_file_server_volume_configuration"


def test_fsx_credentials_are_read_by_the_execution_role():
    plan = plan_for(EVERY_FIELD)
    statements = {s.sid: s for s in plan.role("task_execution_role").statements}
    reasons = " ".join(statements["SecretsManagerReadStartupSecrets"].reasons)
    assert "arn:aws:secretsmanager:ap-northeast-2:575084400422:secret:fsx-creds-AbCdEf" in [
        r.arn for r in statements["SecretsManagerReadStartupSecrets"].resources
    ]
    assert "volumes[3].fsxWindowsFileServerVolumeConfiguration.authorizationConfig.credentialsParameter" in reasons


def test_placement_constraint_without_type_gets_member_of():
    """ECS makes ``type`` optional (memberOf is its only value); the provider requires it."""
    data = dict(
        default_task_definition(),
        requiresCompatibilities=["EC2"],
        placementConstraints=[{"expression": "attribute:ecs.instance-type =~ t3.*"}],
    )
    (td,) = synth_stack(plan_for(data))[1]["resource"]["aws_ecs_task_definition"].values()
    assert td["placement_constraints"] == [{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t3.*"}]


def test_interpolation_syntax_in_the_file_reaches_ecs_as_text():
    """A "${" or "%{" in the file is text for ECS; unescaped, Terraform would read it as a reference."""
    data = mutate(default_task_definition(), "containerDefinitions[0].environment[0].value", "Hello ${name} %{if x}")
    # Beside the containers too; not in tags, where ECS refuses "$" and braces (the tags rule says so).
    data.update(
        requiresCompatibilities=["EC2"],
        placementConstraints=[{"type": "memberOf", "expression": "attribute:team == ${team}"}],
    )
    (td,) = synth_stack(plan_for(data))[1]["resource"]["aws_ecs_task_definition"].values()
    (container,) = json.loads(td["container_definitions"])
    assert container["environment"][0]["value"] == "Hello $${name} %%{if x}"
    assert td["placement_constraints"] == [{"type": "memberOf", "expression": "attribute:team == $${team}"}]
    # while the references the stack itself writes stay live
    assert re.fullmatch(
        r"\$\{aws_cloudwatch_log_group\.\w+\.name\}", container["logConfiguration"]["options"]["awslogs-group"]
    )


def test_todays_container_members_reach_the_container_definitions():
    """Members ECS added since early 2025 that live inside a container travel in container_definitions as written:
    a GPU shared through NVIDIA MPS, and an AWS Neuron device."""
    requirements = [
        {"type": "GPU", "value": "1", "sharingStrategy": {"nvidiaMps": {"maxComputePercent": 50, "memory": 4096}}},
        {"type": "NeuronDevice", "value": "1"},
    ]
    data = mutate(default_task_definition(), "requiresCompatibilities", ["EC2"])
    data["containerDefinitions"][0]["resourceRequirements"] = requirements
    _, synth = synth_stack(plan_for(data))
    (task_definition,) = synth["resource"]["aws_ecs_task_definition"].values()
    (container,) = json.loads(task_definition["container_definitions"])
    assert container["resourceRequirements"] == requirements


def test_windows_server_2025_is_a_runtime_platform():
    platform = {"operatingSystemFamily": "WINDOWS_SERVER_2025_FULL", "cpuArchitecture": "X86_64"}
    data = mutate(default_task_definition(), "requiresCompatibilities", ["EC2"])
    data["runtimePlatform"] = platform
    _, synth = synth_stack(plan_for(data))
    (task_definition,) = synth["resource"]["aws_ecs_task_definition"].values()
    assert task_definition["runtime_platform"] == {
        "operating_system_family": "WINDOWS_SERVER_2025_FULL",
        "cpu_architecture": "X86_64",
    }


def test_managed_instances_is_a_compatibility_the_stack_registers():
    data = json.loads((FIXTURES / "valid" / "managed-instances.json").read_text())
    _, synth = synth_stack(plan_for(data))
    (task_definition,) = synth["resource"]["aws_ecs_task_definition"].values()
    assert task_definition["requires_compatibilities"] == ["MANAGED_INSTANCES"]
    assert task_definition["network_mode"] == "awsvpc"


def test_the_stack_adds_only_its_provenance_to_the_files_tags(default_synth, default_plan):
    (td,) = default_synth["resource"]["aws_ecs_task_definition"].values()
    added = {k: v for k, v in td["tags"].items() if k.startswith(PROVENANCE_PREFIX)}
    assert added == stack_provenance(default_plan)
