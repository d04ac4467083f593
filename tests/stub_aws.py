"""A stand-in for the emulator in tests that run no Terraform and no server: each client checks every call
against the botocore model (a misspelt method or parameter fails as it would against AWS) and answers from
a table, or with a MagicMock where the test does not care. Nothing is ever sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest.mock import MagicMock


class StubAws:
    """Quacks like emulator.MotoServer for the harness: ``client(service)``. ``answers``: (service, method) ->
    a value, or a function of the call's keyword arguments."""

    url = "http://stub.invalid"

    def __init__(self, answers: dict[tuple[str, str], Any | Callable[..., Any]] | None = None) -> None:
        self.answers = dict(answers or {})
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self._clients: dict[str, StubClient] = {}

    def client(self, service: str) -> StubClient:
        if service not in self._clients:
            self._clients[service] = StubClient(service, self)
        return self._clients[service]


class StubClient:
    def __init__(self, service: str, aws: StubAws) -> None:
        import boto3

        # A real client for its model and exception classes only; it never makes a request.
        self._real = boto3.session.Session().client(
            service, region_name="ap-northeast-2", aws_access_key_id="stub", aws_secret_access_key="stub"
        )
        self._service, self._aws = service, aws
        self.exceptions = self._real.exceptions

    def __getattr__(self, method: str):
        from botocore.validate import validate_parameters

        operation = self._real.meta.method_to_api_mapping.get(method)
        if operation is None:
            raise AttributeError(f"the {self._service} client has no method {method}")
        shape = self._real.meta.service_model.operation_model(operation).input_shape

        def call(**kwargs):
            validate_parameters(kwargs, shape)
            self._aws.calls.append((self._service, method, kwargs))
            answer = self._aws.answers.get((self._service, method))
            if answer is None:
                return MagicMock(name=f"{self._service}.{method}")
            return answer(**kwargs) if callable(answer) else answer

        return call

    def error(self, code: str, operation: str) -> Exception:
        """The exception the real client raises for error ``code``."""
        return self._real.exceptions.from_code(code)({"Error": {"Code": code, "Message": "stub"}}, operation)
