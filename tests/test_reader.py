"""taskdef.account.reader: what an endpoint returns is read like any other JSON input, and botocore's
configuration errors become verify's own one-line error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse

import pytest

from taskdef.account.reader import Account, CannotVerify, configuration_problems, iam_document
from taskdef.input.settings import ROOT

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def test_a_policy_document_is_read_url_encoded_or_parsed():
    assert iam_document(urllib.parse.quote(json.dumps(POLICY))) == POLICY
    assert iam_document(POLICY) == POLICY


@pytest.mark.parametrize("depth", [33, 900, 5_000])
def test_a_policy_document_nested_too_deep_cannot_be_verified(depth):
    text = '{"Statement": ' + "[" * depth + "]" * depth + "}"
    value: object = []
    for _ in range(depth):
        value = [value]
    for doc in (urllib.parse.quote(text), {"Statement": value}):
        with pytest.raises(CannotVerify) as info:
            iam_document(doc)
        assert str(info.value.args[0]) == (
            "AWS returned a policy document that nests arrays and objects more than 32 levels deep; no IAM policy does"
        )


@pytest.mark.parametrize("doc, detail", [("%7Bnot json", "Expecting property name"), ("[1]", "list")])
def test_a_policy_document_that_is_no_json_object_cannot_be_verified(doc, detail):
    with pytest.raises(CannotVerify) as info:
        iam_document(doc)
    message = str(info.value.args[0])
    assert message.startswith("AWS returned a policy document that is not a JSON object: ") and detail in message


# --- configuration --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "environ, expected",
    [
        (
            {"AWS_ENDPOINT_URL": "not a url"},
            'AWS_ENDPOINT_URL: must be a URL such as http://127.0.0.1:5000 or https://iam.amazonaws.com, got "not a url"',
        ),
        (
            {"AWS_ENDPOINT_URL_IAM": "::"},
            'AWS_ENDPOINT_URL_IAM: must be a URL such as http://127.0.0.1:5000 or https://iam.amazonaws.com, got "::"',
        ),
        ({"AWS_MAX_ATTEMPTS": "abc"}, 'AWS_MAX_ATTEMPTS: must be a whole number, got "abc"'),
        ({"AWS_METADATA_SERVICE_TIMEOUT": "1.5"}, 'AWS_METADATA_SERVICE_TIMEOUT: must be a whole number, got "1.5"'),
    ],
)
def test_settings_botocore_would_raise_a_bare_value_error_for(environ, expected):
    assert configuration_problems({"HOME": "/root", **environ}) == [expected]


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_STS": "https://sts.amazonaws.com"},
        {"AWS_ENDPOINT_URL": "http://[::1]:5000"},
        {"AWS_ENDPOINT_URL": ""},  # unset, for botocore
        {"AWS_ENDPOINT_URL": "not a url", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
        {"AWS_MAX_ATTEMPTS": "3", "AWS_METADATA_SERVICE_NUM_ATTEMPTS": " 2 "},
    ],
)
def test_settings_botocore_reads_without_complaint(environ):
    assert configuration_problems(environ) == []


def test_a_bad_setting_in_the_profile_cannot_be_verified(tmp_path, monkeypatch):
    """configuration_problems reads the environment; a profile's own bad value surfaces at the first client."""
    import boto3

    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    config = tmp_path / "config"
    config.write_text("[default]\nregion = ap-northeast-2\nmax_attempts = abc\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    account = Account(boto3.Session(aws_access_key_id="x", aws_secret_access_key="y"), "ap-northeast-2")
    with pytest.raises(CannotVerify) as info:
        account.call("sts", "get_caller_identity")
    assert str(info.value.args[0]) == (
        "the AWS configuration is not valid: invalid literal for int() with base 10: 'abc'; "
        "check the AWS_* environment variables and the profile in ~/.aws/config"
    )


@pytest.mark.parametrize(
    "variable, value, expected",
    [
        ("AWS_ENDPOINT_URL", "not a url", "must be a URL such as http://127.0.0.1:5000 or https://iam.amazonaws.com"),
        ("AWS_MAX_ATTEMPTS", "abc", "must be a whole number"),
    ],
)
def test_verify_says_a_bad_setting_in_one_line_and_exits_2(variable, value, expected):
    """Both were tracebacks from deep inside botocore."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IG_", "TASK_DEFINITION", "REPORT_"))}
    env.update({"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "LANG": "C.UTF-8", variable: value})
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "verify"], env=env, capture_output=True, text=True, timeout=120
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [f'error: verify: {variable}: {expected}, got "{value}"']
