"""Where the stack keeps its state: local, S3, or Terraform Cloud."""

from __future__ import annotations

import os
from pathlib import Path

from cdktf import CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack

from taskdef.input.environments import CloudSettings
from taskdef.input.settings import ROOT, Settings


def local_state_path(stack_name: str, outdir: Path) -> str:
    """State lives in the project root, outside the output directory that every synth replaces."""
    return os.path.relpath(ROOT / f"terraform.{stack_name}.tfstate", outdir / "stacks" / stack_name)


def configure_backend(stack: TerraformStack, *, settings: Settings, cloud: CloudSettings | None, outdir: Path):
    if cloud:
        return CloudBackend(
            stack,
            organization=cloud.organization,
            hostname=cloud.hostname,
            workspaces=NamedCloudWorkspace(name=cloud.workspace, project=cloud.project),
        )
    if settings.s3_backend:
        s3 = settings.s3_backend
        backend = S3Backend(stack, bucket=s3.bucket, key=s3.key, region=s3.region, encrypt=s3.encrypt)
        # cdktf 0.21 predates S3-native locking; Terraform >= 1.10 reads this argument.
        stack.add_override("terraform.backend.s3.use_lockfile", s3.use_lockfile)
        return backend
    return LocalBackend(stack, path=local_state_path(settings.stack_name, outdir))
