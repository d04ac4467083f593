"""Where the stack keeps its state: local, S3, or Terraform Cloud."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from cdktf import CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack

from taskdef.errors import InputError, Problem
from taskdef.settings import ROOT, Settings


@dataclass(frozen=True)
class CloudSettings:
    organization: str
    workspace: str
    hostname: str | None = None
    project: str | None = None


def cloud_settings(environ: Mapping[str, str]) -> CloudSettings | None:
    """Terraform's own variables select Terraform Cloud: TF_CLOUD_ORGANIZATION and TF_WORKSPACE."""
    org, workspace = environ.get("TF_CLOUD_ORGANIZATION"), environ.get("TF_WORKSPACE")
    if not org and not workspace:
        return None
    if not (org and workspace):
        missing = "TF_WORKSPACE" if org else "TF_CLOUD_ORGANIZATION"
        raise InputError("environment", [Problem(missing, "must be set too: Terraform Cloud needs both "
                                                          "TF_CLOUD_ORGANIZATION and TF_WORKSPACE")])
    return CloudSettings(org, workspace, environ.get("TF_CLOUD_HOSTNAME") or None, environ.get("TF_CLOUD_PROJECT") or None)


def local_state_path(stack_name: str, outdir: Path) -> str:
    """State lives in the project root, outside the output directory that every synth replaces."""
    return os.path.relpath(ROOT / f"terraform.{stack_name}.tfstate", outdir / "stacks" / stack_name)


def configure_backend(stack: TerraformStack, *, settings: Settings, cloud: CloudSettings | None, outdir: Path):
    if cloud:
        return CloudBackend(stack, organization=cloud.organization, hostname=cloud.hostname,
                            workspaces=NamedCloudWorkspace(name=cloud.workspace, project=cloud.project))
    if settings.s3_backend:
        s3 = settings.s3_backend
        backend = S3Backend(stack, bucket=s3.bucket, key=s3.key, region=s3.region, encrypt=s3.encrypt)
        # cdktf 0.21 predates S3-native locking; Terraform >= 1.10 reads this argument.
        stack.add_override("terraform.backend.s3.use_lockfile", s3.use_lockfile)
        return backend
    return LocalBackend(stack, path=local_state_path(settings.stack_name, outdir))
