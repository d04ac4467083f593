"""taskdef.output: a synth that fails leaves an existing output directory exactly as it was."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from taskdef.output import outdir as output
from taskdef.output.outdir import atomic_outdir


def snapshot(root: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every entry under ``root`` (hidden ones too): mode and, for files, content."""
    out = {".": (stat.S_IMODE(root.stat().st_mode), None)}
    for path in sorted(root.rglob("*")):
        mode = stat.S_IMODE(path.lstat().st_mode)
        out[str(path.relative_to(root))] = (mode, path.read_bytes() if path.is_file() else None)
    return out


def leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name != name)


@pytest.fixture
def existing(tmp_path) -> Path:
    """An output directory from an earlier synth, with files Terraform left in its stack."""
    final = tmp_path / "cdktf.out"
    stack = final / "stacks" / "ig-notification-prod"
    (stack / ".terraform" / "providers").mkdir(parents=True)
    (stack / ".terraform" / "providers" / "marker").write_text("provider", encoding="utf-8")
    (stack / ".terraform.lock.hcl").write_text("lock", encoding="utf-8")
    (stack / "plan.tfplan").write_text("plan of the old stack", encoding="utf-8")
    (stack / "cdk.tf.json").write_text('{"old": true}', encoding="utf-8")
    (final / "manifest.json").write_text("{}", encoding="utf-8")
    os.chmod(final, 0o750)
    return final


def write_new(staging: Path) -> None:
    stack = staging / "stacks" / "ig-notification-prod"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text('{"new": true}', encoding="utf-8")


def test_success_replaces_the_output_and_keeps_terraform_files(existing):
    with atomic_outdir(existing) as staging:
        assert staging.parent == existing.parent and staging != existing
        write_new(staging)
    stack = existing / "stacks" / "ig-notification-prod"
    assert (stack / "cdk.tf.json").read_text(encoding="utf-8") == '{"new": true}'
    assert (stack / ".terraform" / "providers" / "marker").read_text(encoding="utf-8") == "provider"
    assert (stack / ".terraform.lock.hcl").read_text(encoding="utf-8") == "lock"
    assert not (existing / "manifest.json").exists()  # generated output is replaced, not merged
    assert not (stack / "plan.tfplan").exists()  # a plan saved against the old stack is stale
    assert stat.S_IMODE(existing.stat().st_mode) == 0o750  # mkdtemp's 0700 does not leak out
    assert leftovers(existing.parent, existing.name) == []


def test_a_first_synth_gets_the_mode_of_a_plain_mkdir(tmp_path):
    final = tmp_path / "out" / "cdktf.out"
    with atomic_outdir(final) as staging:
        write_new(staging)
    (tmp_path / "probe").mkdir()
    assert stat.S_IMODE(final.stat().st_mode) == stat.S_IMODE((tmp_path / "probe").stat().st_mode)


def test_an_exception_in_the_body_leaves_the_output_as_it_was(existing):
    before = snapshot(existing)
    with pytest.raises(RuntimeError, match="synth failed"):
        with atomic_outdir(existing) as staging:
            write_new(staging)
            raise RuntimeError("synth failed")
    assert snapshot(existing) == before
    assert leftovers(existing.parent, existing.name) == []


def test_an_interrupt_leaves_the_output_as_it_was(existing):
    before = snapshot(existing)
    with pytest.raises(KeyboardInterrupt):
        with atomic_outdir(existing) as staging:
            write_new(staging)
            raise KeyboardInterrupt
    assert snapshot(existing) == before
    assert leftovers(existing.parent, existing.name) == []


def test_a_failure_while_carrying_terraform_files_over_is_undone(existing, monkeypatch):
    before = snapshot(existing)
    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append(src)
        if len(calls) == 2:  # the first item moved, the second fails
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(output.os, "replace", replace)
    with pytest.raises(OSError, match="disk full"):
        with atomic_outdir(existing) as staging:
            write_new(staging)
    monkeypatch.undo()
    assert snapshot(existing) == before
    assert leftovers(existing.parent, existing.name) == []


def test_a_failure_while_swapping_puts_the_old_output_back(existing, monkeypatch):
    before = snapshot(existing)
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == existing and Path(src).name.startswith(".cdktf.out.new-"):  # the new output moving in
            raise OSError("rename failed")
        real_replace(src, dst)

    monkeypatch.setattr(output.os, "replace", replace)
    with pytest.raises(OSError, match="rename failed"):
        with atomic_outdir(existing) as staging:
            write_new(staging)
    monkeypatch.undo()
    assert snapshot(existing) == before
    assert leftovers(existing.parent, existing.name) == []


def test_a_failure_during_the_real_synth_leaves_the_output_as_it_was(existing, monkeypatch):
    """The real main job, in-process, with cdktf's synth failing after it has written its files."""
    import cdktf

    import main

    real_synth, staged = cdktf.App.synth, []

    def synth_then_fail(self):
        real_synth(self)
        staged.extend(p for p in existing.parent.iterdir() if p.name.startswith(".cdktf.out.new-"))
        assert any(staged[0].rglob("cdk.tf.json"))  # the stack was half-written when the failure came
        raise RuntimeError("synth failed halfway")

    before = snapshot(existing)
    monkeypatch.setattr(cdktf.App, "synth", synth_then_fail)
    with pytest.raises(RuntimeError, match="synth failed halfway"):
        main.main({"CDKTF_OUTDIR": str(existing)})
    assert staged  # the failure really happened during synth
    assert snapshot(existing) == before
    assert leftovers(existing.parent, existing.name) == []


@pytest.mark.parametrize("kind", ["file", "foreign directory"])
def test_never_replaces_what_is_not_an_earlier_synth(tmp_path, kind):
    final = tmp_path / "target"
    if kind == "file":
        final.write_text("someone's file", encoding="utf-8")
    else:
        final.mkdir()
        (final / "important.txt").write_text("keep me", encoding="utf-8")
    before = snapshot(final) if final.is_dir() else final.read_text(encoding="utf-8")
    with pytest.raises(FileExistsError, match="refusing to replace it"):
        with atomic_outdir(final) as staging:
            write_new(staging)
    assert (snapshot(final) if final.is_dir() else final.read_text(encoding="utf-8")) == before
    assert leftovers(tmp_path, "target") == []


def test_an_empty_directory_may_be_the_output(tmp_path):
    final = tmp_path / "out"
    final.mkdir()
    with atomic_outdir(final) as staging:
        write_new(staging)
    assert (final / "stacks" / "ig-notification-prod" / "cdk.tf.json").exists()


def test_import_blocks_move_to_their_own_file(tmp_path):
    stack = {"resource": {"aws_iam_role": {"r": {"name": "x"}}}, "import": [{"to": "aws_iam_role.r", "id": "x"}]}
    (tmp_path / "cdk.tf.json").write_text(json.dumps(stack, indent=2), encoding="utf-8")
    output.split_terraform_blocks(tmp_path)
    assert json.loads((tmp_path / "cdk.tf.json").read_text()) == {"resource": stack["resource"]}
    assert json.loads((tmp_path / output.IMPORTS_FILE).read_text()) == {"import": stack["import"]}


def test_removed_blocks_move_to_their_own_file(tmp_path):
    stack = {
        "data": {"aws_iam_role": {"task_role": {"name": "x"}}},
        "removed": [{"from": "aws_iam_role.task_role", "lifecycle": {"destroy": False}}],
    }
    (tmp_path / "cdk.tf.json").write_text(json.dumps(stack, indent=2), encoding="utf-8")
    output.split_terraform_blocks(tmp_path)
    assert json.loads((tmp_path / "cdk.tf.json").read_text()) == {"data": stack["data"]}
    assert json.loads((tmp_path / output.REMOVED_FILE).read_text()) == {"removed": stack["removed"]}
    assert not (tmp_path / output.IMPORTS_FILE).exists()


def test_a_stack_without_imports_is_left_byte_for_byte(tmp_path):
    text = json.dumps({"resource": {"aws_iam_role": {"r": {"name": "ü"}}}}, indent=2, ensure_ascii=False)
    (tmp_path / "cdk.tf.json").write_text(text, encoding="utf-8")
    output.split_terraform_blocks(tmp_path)
    assert (tmp_path / "cdk.tf.json").read_text(encoding="utf-8") == text
    assert not (tmp_path / output.IMPORTS_FILE).exists()
