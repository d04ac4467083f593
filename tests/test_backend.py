"""State backends: local by default, Terraform Cloud from Terraform's own variables, S3 from settings."""

from __future__ import annotations

import json

import pytest

import main
from components.backend import local_state_path
from taskdef.input.environments import cloud_settings
from taskdef.input.settings import ROOT, S3BackendSettings
from taskdef.text.errors import InputError

from .conftest import default_settings, main_environment, plan_for, run_main, synth_stack


def test_local_by_default_keeps_state_outside_the_output_directory(default_synth):
    backend = default_synth["terraform"]["backend"]
    assert list(backend) == ["local"]
    path = backend["local"]["path"]
    stack_dir = ROOT / "cdktf.out" / "stacks" / "ig-notification-prod"
    assert (stack_dir / path).resolve() == ROOT / "terraform.ig-notification-prod.tfstate"


def test_local_state_path_follows_a_moved_output_directory(tmp_path):
    path = local_state_path("s", tmp_path / "out")
    assert (tmp_path / "out" / "stacks" / "s" / path).resolve() == ROOT / "terraform.s.tfstate"


def test_terraform_cloud_from_terraform_variables():
    cloud = cloud_settings({"TF_CLOUD_ORGANIZATION": "ignite", "TF_WORKSPACE": "ig-notification-prod"})
    _, synth = synth_stack(plan_for(), cloud=cloud)
    assert "backend" not in synth["terraform"]
    assert synth["terraform"]["cloud"] == {"organization": "ignite", "workspaces": {"name": "ig-notification-prod"}}


def test_terraform_enterprise_hostname_and_project():
    cloud = cloud_settings(
        {
            "TF_CLOUD_ORGANIZATION": "ignite",
            "TF_WORKSPACE": "w",
            "TF_CLOUD_HOSTNAME": "tfe.example.com",
            "TF_CLOUD_PROJECT": "notifications",
        }
    )
    _, synth = synth_stack(plan_for(), cloud=cloud)
    assert synth["terraform"]["cloud"] == {
        "organization": "ignite",
        "hostname": "tfe.example.com",
        "workspaces": {"name": "w", "project": "notifications"},
    }


@pytest.mark.parametrize(
    "env, missing",
    [({"TF_CLOUD_ORGANIZATION": "ignite"}, "TF_WORKSPACE"), ({"TF_WORKSPACE": "w"}, "TF_CLOUD_ORGANIZATION")],
)
def test_half_a_cloud_configuration_is_an_error(env, missing):
    with pytest.raises(InputError) as exc:
        cloud_settings(env)
    assert missing in str(exc.value)


def test_s3_backend_from_settings_with_native_locking():
    s3 = S3BackendSettings(bucket="ignite-tfstate", key="ig-notification/prod.tfstate", region="ap-northeast-2")
    _, synth = synth_stack(plan_for(settings=default_settings(s3_backend=s3)))
    assert synth["terraform"]["backend"] == {
        "s3": {
            "bucket": "ignite-tfstate",
            "key": "ig-notification/prod.tfstate",
            "region": "ap-northeast-2",
            "encrypt": True,
            "use_lockfile": True,
        }
    }


def test_main_writes_the_cloud_block(tmp_path, capsys):
    # In-process: the session has loaded cdktf already; a process of its own costs seconds of CPU.
    environ = main_environment(tmp_path / "out", TF_CLOUD_ORGANIZATION="ignite", TF_WORKSPACE="ig-notification-prod")
    assert main.main(environ=environ) == 0, capsys.readouterr().err
    synth = json.loads((tmp_path / "out" / "stacks" / "ig-notification-prod" / "cdk.tf.json").read_text())
    assert synth["terraform"]["cloud"]["workspaces"] == {"name": "ig-notification-prod"}


def test_main_refuses_one_workspace_for_every_environment(tmp_path):
    result = run_main(tmp_path / "out", IG_ENV="all", TF_CLOUD_ORGANIZATION="ignite", TF_WORKSPACE="w")
    assert result.returncode == 1
    assert "TF_WORKSPACE" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
