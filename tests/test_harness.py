"""The apply harness's own logic, without Terraform: what it finds, what it compares, and when it
skips or fails. (tests/test_apply.py runs it for real.)"""
from __future__ import annotations

import pytest

from .conftest import missing
from .harness import (EMULATOR_GAPS, PROVIDER_SOURCE, HarnessError, _platform, changed_attributes, contains,
                      endpoints_for, find_toolchain, normalized_policy)


def test_a_missing_mirror_is_named_with_the_variable_to_set(tmp_path):
    reason = find_toolchain({"TF_PROVIDER_MIRROR": str(tmp_path)})
    assert isinstance(reason, str) and "TF_PROVIDER_MIRROR" in reason and str(tmp_path) in reason


def test_a_mirror_gives_its_newest_provider_version(tmp_path):
    if isinstance(find_toolchain(), str):  # the terraform binary is looked for first
        pytest.skip(find_toolchain())
    for version in ("5.9.0", "5.100.0", "5.10.1"):
        (tmp_path / PROVIDER_SOURCE / version / _platform()).mkdir(parents=True)
    assert find_toolchain({"TF_PROVIDER_MIRROR": str(tmp_path)}).provider_version == "5.100.0"
    # the packed layout that `terraform providers mirror` writes
    (tmp_path / PROVIDER_SOURCE / f"terraform-provider-aws_5.101.0_{_platform()}.zip").write_bytes(b"")
    assert find_toolchain({"TF_PROVIDER_MIRROR": str(tmp_path)}).provider_version == "5.101.0"


def test_missing_tools_skip_locally_and_fail_under_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no terraform binary"):
        missing("no terraform binary on PATH")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true requires the Terraform tests to run"):
        missing("no terraform binary on PATH")


def test_contains_ignores_order_only_where_terraform_keeps_a_set():
    assert contains({"volumes": [{"name": "a"}, {"name": "b"}]}, {"volumes": [{"name": "b"}, {"name": "a"}]}) == []
    assert contains({"containerDefinitions": [{"name": "a"}, {"name": "b"}]},
                    {"containerDefinitions": [{"name": "b"}, {"name": "a"}]}) != []


def test_contains_allows_more_members_but_never_fewer_or_other_values():
    assert contains({"a": 1}, {"a": 1, "cpu": 0}) == []
    assert contains({"a": 1, "b": 2}, {"a": 1}) == ["b: missing (expected 2)"]
    assert contains({"a": [1, 2]}, {"a": [1, 2, 3]}) == ["a: expected [1, 2], got [1, 2, 3]"]
    assert contains({"a": {"b": "x"}}, {"a": {"b": "y"}}) == ["a.b: expected 'x', got 'y'"]


def test_changed_attributes_leave_out_what_is_computed():
    change = {"before": {"cpu": "512", "arn": "x", "tags": {}}, "after": {"cpu": "1024", "arn": None, "tags": {}},
              "after_unknown": {"arn": True}}
    assert changed_attributes(change) == {"cpu"}


def test_policies_compare_without_order_or_singleton_lists():
    written = {"Statement": [{"Sid": "A", "Effect": "Allow", "Action": ["b", "a"], "Resource": "r"}]}
    read = {"Statement": [{"Sid": "A", "Effect": "Allow", "Action": ["a", "b"], "Resource": ["r"]}]}
    assert normalized_policy(written) == normalized_policy(read)


def test_a_type_without_an_emulator_endpoint_stops_the_harness():
    assert endpoints_for({"resource": {"aws_iam_role": {}}, "data": {"aws_secretsmanager_secret": {}}}) == [
        "iam", "secretsmanager", "sts"]
    with pytest.raises(HarnessError, match="aws_s3_bucket: no emulator endpoint"):
        endpoints_for({"resource": {"aws_s3_bucket": {}}})


def test_each_emulator_gap_names_one_argument_of_one_resource_type():
    for gap in EMULATOR_GAPS:
        assert gap.resource_type.startswith("aws_") and gap.argument.isidentifier() and gap.why
