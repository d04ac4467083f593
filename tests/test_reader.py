"""taskdef.account.reader: what an endpoint returns is read like any other JSON input, and botocore's
configuration errors become verify's own one-line error."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from taskdef.account.reader import CannotVerify, iam_document

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
