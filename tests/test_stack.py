"""The whole stack: snapshot, references between resources, outputs, settings variants."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from taskdef.model.rendered import render_task_definition

from .conftest import default_settings, default_task_definition, plan_for, role_deployer_settings, synth_stack

SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "ig-notification-prod.json"


def flatten(value, path="$"):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from flatten(v, f"{path}.{k}")
        if not value:
            yield path, {}
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from flatten(v, f"{path}[{i}]")
        if not value:
            yield path, []
    else:
        yield path, value


def test_snapshot(default_synth):
    """UPDATE_SNAPSHOTS=1 rewrites it; review the diff like code."""
    text = json.dumps(default_synth, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(text)
    assert SNAPSHOT.exists(), "no snapshot yet: run with UPDATE_SNAPSHOTS=1 and review it"
    expected = dict(flatten(json.loads(SNAPSHOT.read_text())))
    actual = dict(flatten(default_synth))
    differences = [
        f"{k}: snapshot {expected.get(k, '<absent>')!r}, now {actual.get(k, '<absent>')!r}"
        for k in sorted(set(expected) | set(actual))
        if expected.get(k, "<absent>") != actual.get(k, "<absent>")
    ]
    assert not differences, "\n".join(differences)


def test_every_resource_the_design_names(default_synth):
    resources, data = default_synth["resource"], default_synth["data"]
    # prod attaches to the existing shared roles (roles.mode external): read, never managed.
    assert set(resources) == {
        "aws_cloudwatch_log_group",
        "aws_ecs_task_definition",
        "aws_iam_policy",
        "aws_iam_role_policy",
        "aws_iam_user_policy_attachment",
    }
    assert set(data) == {"aws_iam_policy_document", "aws_iam_role", "aws_secretsmanager_secret"}
    assert set(data["aws_iam_role"]) == {"task_execution_role", "task_role"}
    assert [r["name"] for r in data["aws_iam_role"].values()] == ["ecsTaskExecutionRole", "ecsTaskRole"]
    assert [g["name"] for g in resources["aws_cloudwatch_log_group"].values()] == ["/ecs/ig-notification"]
    assert [s["name"] for s in data["aws_secretsmanager_secret"].values()] == ["prod/ignite-pilot/postgresInfo2"]


def test_task_role_reads_the_secret_through_the_data_source(default_synth):
    docs = default_synth["data"]["aws_iam_policy_document"]
    (secret_key,) = default_synth["data"]["aws_secretsmanager_secret"]
    (statement,) = docs["task_role_policy"]["statement"]
    assert statement["sid"] == "SecretsManagerReadRuntimeSecrets"
    assert statement["actions"] == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    assert statement["resources"] == [f"${{data.aws_secretsmanager_secret.{secret_key}.arn}}"]


def test_execution_role_is_scoped_to_the_files_repository_and_log_group(default_synth):
    statements = {
        s["sid"]: s for s in default_synth["data"]["aws_iam_policy_document"]["task_execution_role_policy"]["statement"]
    }
    assert statements["EcrGetAuthorizationToken"]["resources"] == ["*"]
    assert statements["EcrPullImages"]["resources"] == [
        "arn:aws:ecr:ap-northeast-2:575084400422:repository/ig-notification"
    ]
    (log_key,) = default_synth["resource"]["aws_cloudwatch_log_group"]
    assert statements["LogsWriteTaskLogGroups"]["resources"] == [f"${{aws_cloudwatch_log_group.{log_key}.arn}}:*"]
    wildcard = [sid for sid, s in statements.items() if "*" in s["resources"]]
    assert wildcard == ["EcrGetAuthorizationToken"]


def test_every_statement_has_a_sid(default_synth):
    for name, doc in default_synth["data"]["aws_iam_policy_document"].items():
        for statement in doc["statement"]:
            assert statement.get("sid", "").isalnum(), name


def test_no_secret_value_data_source_anywhere(default_synth):
    assert "aws_secretsmanager_secret_version" not in json.dumps(default_synth)


def test_outputs(default_synth):
    outputs = {k: v["value"] for k, v in default_synth["output"].items()}
    assert outputs == {
        "task_definition_arn": "${aws_ecs_task_definition.task_definition.arn}",
        "task_definition_revision": "${aws_ecs_task_definition.task_definition.revision}",
        "task_execution_role_arn": "${data.aws_iam_role.task_execution_role.arn}",
        "task_role_arn": "${data.aws_iam_role.task_role.arn}",
        "log_group_names": ["${aws_cloudwatch_log_group.ecs_ig_notification.name}"],
        "deployer_policy_arn": "${aws_iam_policy.deployer.arn}",
    }


def created(**changes):
    """The default settings with roles.mode create (and other role settings changed)."""
    return default_settings(roles=dataclasses.replace(default_settings().roles, **{"mode": "create", **changes}))


def test_without_task_role_no_task_role_or_secret_is_created():
    data = default_task_definition()
    del data["taskRoleArn"]
    plan = plan_for(data, created())
    _, synth = synth_stack(plan)
    assert list(synth["resource"]["aws_iam_role"]) == ["task_execution_role"]
    assert "aws_secretsmanager_secret" not in synth.get("data", {})
    assert "task_role_arn" not in synth["output"]
    assert any("runtime_secrets" in w for w in plan.warnings)
    (pass_role,) = [
        s
        for s in synth["data"]["aws_iam_policy_document"]["deployer"]["statement"]
        if s["sid"] == "PassTaskRolesToEcsTasks"
    ]
    assert pass_role["resources"] == ["${aws_iam_role.task_execution_role.arn}"]


def test_other_log_drivers_get_no_log_group():
    data = default_task_definition()
    data["containerDefinitions"][0]["logConfiguration"] = {"logDriver": "json-file", "options": {"max-size": "10m"}}
    data["requiresCompatibilities"] = ["EC2"]
    _, synth = synth_stack(plan_for(data))
    assert "aws_cloudwatch_log_group" not in synth["resource"]
    sids = [s["sid"] for s in synth["data"]["aws_iam_policy_document"]["task_execution_role_policy"]["statement"]]
    assert "LogsWriteTaskLogGroups" not in sids


def test_every_awslogs_group_gets_its_own_log_group():
    data = default_task_definition()
    sidecar = json.loads(json.dumps(data["containerDefinitions"][0]))
    sidecar.update(name="sidecar", essential=False, portMappings=[])
    sidecar["logConfiguration"]["options"]["awslogs-group"] = "/ecs/ig-notification/sidecar"
    data["containerDefinitions"].append(sidecar)
    _, synth = synth_stack(plan_for(data))
    names = sorted(g["name"] for g in synth["resource"]["aws_cloudwatch_log_group"].values())
    assert names == ["/ecs/ig-notification", "/ecs/ig-notification/sidecar"]
    (td,) = synth["resource"]["aws_ecs_task_definition"].values()
    groups = [c["logConfiguration"]["options"]["awslogs-group"] for c in json.loads(td["container_definitions"])]
    assert len(set(groups)) == 2 and all(g.startswith("${aws_cloudwatch_log_group.") for g in groups)


def test_customer_managed_key_adds_kms_decrypt_via_service_only():
    key = "arn:aws:kms:ap-northeast-2:575084400422:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    data = default_task_definition()
    data["containerDefinitions"][0]["secrets"] = [
        {"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:ap-northeast-2:575084400422:secret:db"}
    ]
    _, synth = synth_stack(plan_for(data, default_settings(secrets_kms_key_arns=(key,))))
    docs = synth["data"]["aws_iam_policy_document"]
    for doc, sid, services in (
        ("task_execution_role_policy", "KmsDecryptStartupSecrets", ["secretsmanager.ap-northeast-2.amazonaws.com"]),
        ("task_role_policy", "KmsDecryptRuntimeSecrets", ["secretsmanager.ap-northeast-2.amazonaws.com"]),
    ):
        (statement,) = [s for s in docs[doc]["statement"] if s["sid"] == sid]
        assert statement["resources"] == [key]
        assert statement["condition"] == [{"test": "StringEquals", "variable": "kms:ViaService", "values": services}]
    (secret,) = [
        s for s in docs["task_execution_role_policy"]["statement"] if s["sid"] == "SecretsManagerReadStartupSecrets"
    ]
    assert secret["resources"] == ["arn:aws:secretsmanager:ap-northeast-2:575084400422:secret:db-??????"]


def test_one_role_for_both_purposes_gets_both_policies():
    data = default_task_definition()
    data["taskRoleArn"] = data["executionRoleArn"]
    plan = plan_for(data, created())
    _, synth = synth_stack(plan)
    assert list(synth["resource"]["aws_iam_role"]) == ["task_execution_role"]
    sids = [s["sid"] for s in synth["data"]["aws_iam_policy_document"]["task_execution_role_policy"]["statement"]]
    assert "SecretsManagerReadRuntimeSecrets" in sids and "EcrPullImages" in sids
    assert any("same role as executionRoleArn" in w for w in plan.warnings)


@pytest.mark.parametrize("retention", [731, 3653])
def test_retention_comes_from_settings(retention):
    _, synth = synth_stack(plan_for(settings=default_settings(log_group_retention_in_days=retention)))
    assert [g["retention_in_days"] for g in synth["resource"]["aws_cloudwatch_log_group"].values()] == [retention]


def test_deployer_user_name_is_configurable():
    settings = default_settings(deployer=dataclasses.replace(default_settings().deployer, user_name="ci-deployer"))
    _, synth = synth_stack(plan_for(settings=settings))
    (attachment,) = synth["resource"]["aws_iam_user_policy_attachment"].values()
    assert attachment["user"] == "ci-deployer"


def test_a_deployer_role_gets_the_policy_through_a_role_attachment(default_synth):
    _, synth = synth_stack(plan_for(settings=role_deployer_settings()))
    resources = synth["resource"]
    assert "aws_iam_user_policy_attachment" not in resources
    assert resources["aws_iam_role_policy_attachment"] == {
        "deployer": {"role": "ci-deployer", "policy_arn": "${aws_iam_policy.deployer.arn}"}
    }
    assert (
        synth["output"]["deployer_policy_arn"]["description"]
        == "Policy that lets IAM role ci-deployer register the task definition"
    )
    assert (
        default_synth["output"]["deployer_policy_arn"]["description"]
        == "Policy that lets dev-pilot-reader register the task definition"
    )
    # Only the principal differs: the policy, its document and every other resource are prod's.
    for block in ("data", "output"):
        assert set(synth[block]) == set(default_synth[block])
    assert (
        synth["data"]["aws_iam_policy_document"]["deployer"]
        == default_synth["data"]["aws_iam_policy_document"]["deployer"]
    )


def test_default_stack_attaches_to_the_existing_roles_and_forgets_managed_ones(default_synth):
    """prod: the shared roles the write-up says exist are read, never imported; a role an earlier
    apply managed (adopt) leaves the state without being deleted."""
    assert "import" not in default_synth
    assert default_synth["removed"] == [
        {"from": "aws_iam_role.task_execution_role", "lifecycle": {"destroy": False}},
        {"from": "aws_iam_role.task_role", "lifecycle": {"destroy": False}},
    ]


def test_adopt_mode_imports_both_roles_and_never_destroys_them():
    _, synth = synth_stack(plan_for(settings=created(mode="adopt")))
    assert synth["import"] == [
        {"to": "aws_iam_role.task_execution_role", "id": "ecsTaskExecutionRole"},
        {"to": "aws_iam_role.task_role", "id": "ecsTaskRole"},
    ]
    assert [r["lifecycle"] for r in synth["resource"]["aws_iam_role"].values()] == [{"prevent_destroy": True}] * 2
    assert "removed" not in synth


def test_create_mode_has_no_import_blocks():
    _, synth = synth_stack(plan_for(settings=created()))
    assert "import" not in synth and "removed" not in synth
    assert set(synth["resource"]["aws_iam_role"]) == {"task_execution_role", "task_role"}


def test_a_role_gone_from_the_file_is_forgotten_not_deleted():
    data = default_task_definition()
    del data["taskRoleArn"]
    _, synth = synth_stack(plan_for(data, created()))
    assert synth["removed"] == [{"from": "aws_iam_role.task_role", "lifecycle": {"destroy": False}}]


def test_dedicated_roles_replace_the_shared_names():
    plan = plan_for(settings=created(dedicated=True))
    assert [r.name for r in plan.roles] == ["ig-notification-task-execution-role", "ig-notification-task-role"]
    _, synth = synth_stack(plan)
    assert [r["name"] for r in synth["resource"]["aws_iam_role"].values()] == [r.name for r in plan.roles]
    (td,) = synth["resource"]["aws_ecs_task_definition"].values()
    assert td["task_role_arn"] == "${aws_iam_role.task_role.arn}"
    assert (
        json.loads(render_task_definition(plan))["taskRoleArn"]
        == "arn:aws:iam::575084400422:role/ig-notification-task-role"
    )


def test_adopting_log_groups_is_a_setting():
    _, synth = synth_stack(plan_for(settings=default_settings(adopt_existing_log_groups=True)))
    assert {"to": "aws_cloudwatch_log_group.ecs_ig_notification", "id": "/ecs/ig-notification"} in synth["import"]


def test_main_job_writes_removed_blocks_beside_the_stack(main_stack_dir):
    """Terraform reads removed.tf.json with cdk.tf.json; Checkov scans cdk.tf.json, which it can parse."""
    assert "removed" not in json.loads((main_stack_dir / "cdk.tf.json").read_text())
    removed = json.loads((main_stack_dir / "removed.tf.json").read_text())["removed"]
    assert sorted(r["from"] for r in removed) == ["aws_iam_role.task_execution_role", "aws_iam_role.task_role"]
    assert not (main_stack_dir / "imports.tf.json").exists()


def test_an_in_process_synth_leaves_no_directory_behind(default_stack):
    # cdktf's App makes its outdir when it is built; Testing.app() without one would leave a
    # cdktf.outdir.* directory in the system temp directory on every synth of the suite.
    from cdktf import App

    outdir = Path(App.of(default_stack[0]).outdir)
    assert not outdir.name.startswith("cdktf.outdir.")
    assert not outdir.exists()
