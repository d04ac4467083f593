"""The lazy provider import changes nothing but speed: same bytes, fewer modules."""

from __future__ import annotations

import subprocess
import sys

from taskdef.input.settings import ROOT


def tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_output_is_byte_identical_to_the_plain_provider_import(all_environments_output, eager_import_run):
    # Both runs started with the session, at the same depth (so the local backend's state path, relative to
    # the outdir, is the same too): the main job's (IG_ENV=all), and this one with the plain import.
    result = eager_import_run.result()
    assert result.returncode == 0, result.stderr
    lazy_files, eager_files = tree(all_environments_output), tree(eager_import_run.outdir)
    assert sorted(lazy_files) == sorted(eager_files)
    assert {"stacks/ig-notification-prod/cdk.tf.json", "stacks/ig-notification-dev/cdk.tf.json"} <= set(lazy_files)
    for name in lazy_files:
        assert lazy_files[name] == eager_files[name], name


def test_only_the_used_provider_modules_are_imported():
    code = (
        "import sys, components.stack; print(' '.join(m.split('.')[1] for m in sys.modules "
        "if m.startswith('cdktf_cdktf_provider_aws.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    # the stack's own resource modules and _jsii, against ~2,200 for the plain import
    assert set(out.stdout.split()) == {
        "_jsii",
        "cloudwatch_log_group",
        "data_aws_iam_policy_document",
        "data_aws_iam_role",
        "data_aws_secretsmanager_secret",
        "ecs_task_definition",
        "iam_policy",
        "iam_role",
        "iam_role_policy",
        "iam_role_policy_attachment",
        "iam_user_policy_attachment",
        "provider",
    }
