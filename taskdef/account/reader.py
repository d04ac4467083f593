"""Verify's reader of the live account: every read it makes, each named by the IAM action it needs, and
what it found of each principal and resource."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from taskdef.input.json_text import MAX_DEPTH, deeper_than, too_deep_at
from taskdef.input.setting_values import describe
from taskdef.proof.policies import NamedPolicy
from taskdef.text.i18n import t

# Settings botocore reads from the environment as integers, with int(), at the first client it creates.
INTEGER_SETTINGS = (
    "AWS_MAX_ATTEMPTS",
    "AWS_METADATA_SERVICE_TIMEOUT",
    "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
    "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES",
)


def configuration_problems(environ: Mapping[str, str]) -> list[str]:
    """The AWS settings in ``environ`` that would make botocore raise a bare ValueError, each named.

    botocore reports most bad settings with its own errors, which verify says as they are; these two kinds
    it reports with a traceback when the first client is created: an endpoint URL that is no URL, and an
    integer setting that is no integer.
    """
    from botocore.utils import ensure_boolean, is_valid_endpoint_url, is_valid_ipv6_endpoint_url

    problems: list[str] = []
    ignore_endpoints = ensure_boolean(environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false"))
    for name in sorted(environ):
        value = environ[name]
        if name == "AWS_ENDPOINT_URL" or name.startswith("AWS_ENDPOINT_URL_"):
            if (
                value
                and not ignore_endpoints
                and not (is_valid_endpoint_url(value) or is_valid_ipv6_endpoint_url(value))
            ):
                problems.append(t("verify.bad_endpoint", name=name, value=describe(value)))
        elif name in INTEGER_SETTINGS and value:
            try:
                int(value)
            except ValueError:
                problems.append(t("verify.bad_integer", name=name, value=describe(value)))
    return problems


class CannotVerify(Exception):
    """Verify could not finish: no credentials, another account, or one of its own reads denied."""


class ReadDenied(CannotVerify):
    """One of verify's own reads was denied: what it covers is reported as unverified, the rest goes on."""

    def __init__(self, action: str, code: str) -> None:
        self.action = action
        super().__init__(t("verify.lacks", action=action, code=code))


@dataclass
class PrincipalState:
    arn: str
    exists: bool = True
    policies: list[NamedPolicy] = field(default_factory=list)
    boundary: NamedPolicy | None = None
    trust: NamedPolicy | None = None  # roles
    unverified: str = ""  # the IAM read verify was denied: its policies are unknown
    exists_verified: bool = True  # False when no read verify could make tells whether it exists


@dataclass
class ResourceState:
    kind: str  # role, user, secret, parameter, image, log group, task definition
    name: str
    exists: bool
    detail: str = ""
    fixed_by_apply: bool = False
    unverified: str = ""  # the read verify was denied: whether it exists is unknown


class Account:
    """Every read verify makes, each named by the IAM action it needs when denied."""

    def __init__(self, session: Any, region: str) -> None:
        self._session, self._region = session, region
        self._clients: dict[tuple[str, str], Any] = {}
        self._roles: dict[str, dict[str, Any]] | None = None

    def call(self, service: str, operation: str, *, in_region: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """One read; ``in_region`` reads another region than the settings' (an image in another region's registry)."""
        from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

        region = in_region or self._region
        try:
            if (service, region) not in self._clients:
                self._clients[service, region] = self._client(service, region)
            client = self._clients[service, region]
            return getattr(client, operation)(**kwargs)
        except NoCredentialsError:
            raise CannotVerify(t("verify.no_credentials")) from None
        except EndpointConnectionError as exc:
            raise CannotVerify(t("verify.unreachable", detail=str(exc))) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in (
                "AccessDenied",
                "AccessDeniedException",
                "UnauthorizedOperation",
                "UnrecognizedClientException",
                "InvalidClientTokenId",
                "ExpiredToken",
                "ExpiredTokenException",
            ):
                action = f"{client.meta.service_model.signing_name}:{client.meta.method_to_api_mapping[operation]}"
                if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
                    raise ReadDenied(action, code) from None
                raise CannotVerify(t("verify.refused", code=code, action=action)) from None
            raise
        except BotoCoreError as exc:
            raise CannotVerify(str(exc)) from None

    def _client(self, service: str, region: str) -> Any:
        from botocore.exceptions import BotoCoreError

        try:
            return self._session.client(service, region_name=region)
        except ValueError as exc:
            if isinstance(exc, BotoCoreError):  # said by call() like any other of botocore's own errors
                raise
            # A malformed setting botocore reads only now, from a profile in ~/.aws/config or from the environment
            # (configuration_problems names those first): a bare ValueError, such as "Invalid endpoint: x".
            raise CannotVerify(t("verify.bad_configuration", detail=str(exc))) from None

    def policy_document(self, arn: str) -> NamedPolicy:
        policy = self.call("iam", "get_policy", PolicyArn=arn)["Policy"]
        version = self.call("iam", "get_policy_version", PolicyArn=arn, VersionId=policy["DefaultVersionId"])
        return NamedPolicy(arn, iam_document(version["PolicyVersion"]["Document"]))

    def _attached(self, kind: str, name: str) -> list[NamedPolicy]:
        key = {"user": "UserName", "role": "RoleName", "group": "GroupName"}[kind]
        out = []
        inline = self.call("iam", f"list_{kind}_policies", **{key: name})["PolicyNames"]
        for policy_name in inline:
            doc = self.call("iam", f"get_{kind}_policy", **{key: name, "PolicyName": policy_name})["PolicyDocument"]
            out.append(NamedPolicy(f"{kind} {name} inline {policy_name}", iam_document(doc)))
        for attached in self.call("iam", f"list_attached_{kind}_policies", **{key: name})["AttachedPolicies"]:
            out.append(self.policy_document(attached["PolicyArn"]))
        return out

    def principal(self, arn: str) -> PrincipalState:
        """The principal's policies, or, when IAM reads are denied, what iam:ListRoles still shows of a role.

        PowerUserAccess (the write-up's deployer) denies every IAM read but iam:ListRoles, which returns each
        role's trust policy: existence and trust stay verified, its permissions are marked unverified."""
        try:
            return self._principal(arn)
        except ReadDenied as exc:
            kind, name = iam_name(arn)
            state = PrincipalState(arn, unverified=exc.action, exists_verified=False)
            if kind == "role":
                try:
                    listed = self.listed_roles().get(name)
                except ReadDenied:
                    return state
                if listed is None:  # iam:ListRoles proves it absent: missing, not unverified
                    return PrincipalState(arn, exists=False)
                state.exists_verified = True
                state.trust = NamedPolicy(f"{name} trust", iam_document(listed["AssumeRolePolicyDocument"]))
            return state

    def listed_roles(self) -> dict[str, dict[str, Any]]:
        if self._roles is None:
            roles: dict[str, dict[str, Any]] = {}
            marker: dict[str, str] = {}
            while True:
                page = self.call("iam", "list_roles", **marker)
                roles.update((r["RoleName"], r) for r in page["Roles"])
                if not page.get("IsTruncated"):
                    break
                marker = {"Marker": page["Marker"]}
            self._roles = roles
        return self._roles

    def _principal(self, arn: str) -> PrincipalState:
        from botocore.exceptions import ClientError

        kind, name = iam_name(arn)
        try:
            entity = self.call("iam", f"get_{kind}", **{"UserName" if kind == "user" else "RoleName": name})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
                return PrincipalState(arn, exists=False)
            raise
        body = entity["User" if kind == "user" else "Role"]
        state = PrincipalState(body["Arn"])
        if kind == "role":
            state.trust = NamedPolicy(f"{name} trust", iam_document(body["AssumeRolePolicyDocument"]))
        try:
            state.policies = self._attached(kind, name)
            if kind == "user":
                for group in self.call("iam", "list_groups_for_user", UserName=name)["Groups"]:
                    state.policies += self._attached("group", group["GroupName"])
            boundary = (body.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
            if boundary:
                state.boundary = self.policy_document(boundary)
        except ReadDenied as exc:  # it exists, but what it may do is unknown
            state.policies, state.boundary, state.unverified = [], None, exc.action
        return state


def iam_document(doc: Any) -> Mapping[str, Any]:
    """IAM returns documents URL-encoded in some SDK paths and parsed in others.

    What an endpoint returns is read like any other JSON input: nesting is bounded before it is parsed or
    walked (an emulator, or AWS_ENDPOINT_URL pointing elsewhere, can return anything).
    """
    if isinstance(doc, str):
        text = urllib.parse.unquote(doc)
        if too_deep_at(text) is not None:
            raise CannotVerify(t("verify.policy_too_deep", limit=MAX_DEPTH))
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise CannotVerify(t("verify.policy_not_json", detail=str(exc))) from None
    elif deeper_than(doc):
        raise CannotVerify(t("verify.policy_too_deep", limit=MAX_DEPTH))
    if not isinstance(doc, dict):
        raise CannotVerify(t("verify.policy_not_json", detail=type(doc).__name__))
    return doc


def iam_name(arn: str) -> tuple[str, str]:
    m = re.fullmatch(r"arn:[a-z-]+:iam::\d{12}:(user|role)(?:/.*)?/([^/]+)", arn)
    if not m:
        raise ValueError(f"not a user or role ARN: {arn}")
    return m.group(1), m.group(2)


def settings_account(session: Any, settings: Any) -> Account:
    """The account of ``settings``, read as ``session``'s caller; CannotVerify when the caller is another account's."""
    account = Account(session, settings.region)
    caller = account.call("sts", "get_caller_identity")["Account"]
    if caller != settings.account_id:
        raise CannotVerify(
            t(
                "verify.other_account",
                caller=caller,
                source=settings.source or "settings",
                account=settings.account_id,
            )
        )
    return account
