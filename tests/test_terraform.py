"""`terraform validate` on the synthesized stack, with the provider from the filesystem mirror.

The copy gets only the mirror's provider version (the stack pins 6.25.0, which no registry
serves here); everything else is validated as synthesized.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from .harness import prepare_copy, run_terraform

pytestmark = pytest.mark.terraform


def prepare(stack_dir: Path, workdir: Path, toolchain, edit: Callable[[dict], None] = lambda stack: None) -> Path:
    stack = prepare_copy(stack_dir, workdir)
    document = json.loads((stack / "cdk.tf.json").read_text(encoding="utf-8"))
    edit(document)
    (stack / "cdk.tf.json").write_text(json.dumps(document), encoding="utf-8")
    (stack / "mirror_override.tf.json").write_text(
        json.dumps(
            {
                "terraform": {
                    "required_providers": {"aws": {"source": "hashicorp/aws", "version": toolchain.provider_version}}
                }
            }
        ),
        encoding="utf-8",
    )
    return stack


@pytest.fixture(scope="module")
def initialized(main_stack_dir, tmp_path_factory, toolchain) -> Path:
    """One ``terraform init`` for this module: every copy below has the same providers and override, and init
    hashes the whole provider binary (most of a second of CPU) each time it runs."""
    stack = prepare(main_stack_dir, tmp_path_factory.mktemp("validate-init") / "stack", toolchain)
    run_terraform(toolchain, stack, "init", "-backend=false", f"-plugin-dir={toolchain.mirror}")
    return stack


def validate(
    stack_dir: Path, workdir: Path, toolchain, initialized: Path, *, edit: Callable[[dict], None] = lambda stack: None
):
    stack = prepare(stack_dir, workdir, toolchain, edit)
    shutil.copytree(initialized / ".terraform", stack / ".terraform", symlinks=True)
    shutil.copy2(initialized / ".terraform.lock.hcl", stack / ".terraform.lock.hcl")
    return run_terraform(toolchain, stack, "validate", ok=(0, 1))


def test_synthesized_stack_is_valid_terraform(main_stack_dir, tmp_path, toolchain, initialized):
    result = validate(main_stack_dir, tmp_path / "stack", toolchain, initialized)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success! The configuration is valid." in result.stdout


def test_validate_rejects_a_broken_stack(main_stack_dir, tmp_path, toolchain, initialized):
    """The step can fail: an argument the provider does not have."""

    def plant(document):
        document["resource"]["aws_ecs_task_definition"]["task_definition"]["no_such_argument"] = True

    result = validate(main_stack_dir, tmp_path / "stack", toolchain, initialized, edit=plant)
    assert result.returncode == 1
    assert 'No argument or block type is named "no_such_argument".' in result.stdout + result.stderr
