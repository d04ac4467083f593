"""The locks: the runtime's (Pipfile.lock) held back by nothing, the scanner's (scanner/requirements.txt) apart
and hashed. Read from the files alone: no network at test time."""

from __future__ import annotations

import json
import re

from taskdef.input.settings import ROOT

PIPFILE_LOCK = ROOT / "Pipfile.lock"
SCANNER_LOCK = ROOT / "scanner" / "requirements.txt"


def runtime_versions() -> dict[str, str]:
    lock = json.loads(PIPFILE_LOCK.read_text(encoding="utf-8"))
    return {name: entry["version"].removeprefix("==") for name, entry in {**lock["develop"], **lock["default"]}.items()}


def scanner_versions() -> dict[str, str]:
    return dict(re.findall(r"(?m)^([A-Za-z0-9_.-]+)==([^\s\\;]+)", SCANNER_LOCK.read_text(encoding="utf-8")))


def release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def test_the_scanner_is_not_in_the_runtimes_lock():
    assert "checkov" not in runtime_versions()
    assert scanner_versions()["checkov"] == "3.3.30"


def test_the_scanners_pins_never_hold_the_runtime_back():
    """The runtime's botocore and boto3 are at least the scanner's: the scanner's exact pins stay in its own lock."""
    runtime, scanner = runtime_versions(), scanner_versions()
    for name in ("botocore", "boto3"):
        assert release(runtime[name]) >= release(scanner[name]), (name, runtime[name], scanner[name])
    assert release(runtime["botocore"]) > release(scanner["botocore"])  # the reason there are two environments


def test_the_scanner_lock_pins_every_package_with_its_hashes():
    text = SCANNER_LOCK.read_text(encoding="utf-8")
    requirements = re.findall(r"(?m)^([A-Za-z0-9_.-]+)==\S+ \\\n((?:\s+--hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", text)
    assert len(requirements) == len(scanner_versions()) > 50
    assert not re.search(r"(?m)^\s*-(-index-url|i|-extra-index-url|-trusted-host)\b", text)  # no registry named
