"""Reading AWS authorization errors: IAM's documented clauses, the SDK/CLI/Terraform and ECS wrappers,
masked account ids, hard-wrapped and multi-line logs. Messages follow the documented formats (the IAM user
guide's "Troubleshoot access denied error messages", the enhanced messages with policy ARNs) and the ECS
task-start errors as public issue threads quote them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskdef.account.denials import CAUSES, STEPS, read

ACCOUNT = "575084400422"
USER = f"arn:aws:iam::{ACCOUNT}:user/dev-pilot-reader"
EXECUTION = f"arn:aws:sts::{ACCOUNT}:assumed-role/ecsTaskExecutionRole/6c3b7a2e94d04f1b8e5a0c7d2f9b4e61"
TASK = f"arn:aws:sts::{ACCOUNT}:assumed-role/ecsTaskRole/6c3b7a2e94d04f1b8e5a0c7d2f9b4e61"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecsTaskRole"
SCP = "arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd"
SECRET = f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:prod/db-AbCdEf"
PARAMETER = f"arn:aws:ssm:ap-northeast-2:{ACCOUNT}:parameter/ig-notification/api-token"
LOG_GROUP = f"arn:aws:logs:ap-northeast-2:{ACCOUNT}:log-group:/ecs/ig-notification"


def iam(principal: str, action: str, resource: str | None, clause: str = "") -> str:
    on = f" on resource: {resource}" if resource else ""
    return f"User: {principal} is not authorized to perform: {action}{on}{clause}"


def no_allow(kind: str, action: str) -> str:
    return f" because no {kind} allows the {action} action"


PASS_ROLE = iam(USER, "iam:PassRole", ROLE, no_allow("identity-based policy", "iam:PassRole"))
START = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: "

# (text, principal, action, resource, cause, policy ARN, step)
SHAPES = {
    "identity, no allow, CLI wrapper": (
        f"An error occurred (AccessDeniedException) when calling the RegisterTaskDefinition operation: {PASS_ROLE}",
        USER,
        "iam:PassRole",
        ROLE,
        "no_identity_allow",
        None,
        "register",
    ),
    "identity, explicit deny with the policy's ARN": (
        iam(
            USER,
            "ecs:RegisterTaskDefinition",
            f"arn:aws:ecs:ap-northeast-2:{ACCOUNT}:task-definition/ig-notification:3",
            f" with an explicit deny in an identity-based policy: arn:aws:iam::{ACCOUNT}:policy/ci-guardrail",
        ),
        USER,
        "ecs:RegisterTaskDefinition",
        f"arn:aws:ecs:ap-northeast-2:{ACCOUNT}:task-definition/ig-notification:3",
        "explicit_deny_identity",
        f"arn:aws:iam::{ACCOUNT}:policy/ci-guardrail",
        "register",
    ),
    "service control policy with its ARN": (
        iam(USER, "iam:PassRole", ROLE, f" with an explicit deny in a service control policy: {SCP}"),
        USER,
        "iam:PassRole",
        ROLE,
        "scp",
        SCP,
        None,
    ),
    "resource control policy": (
        iam(EXECUTION, "secretsmanager:GetSecretValue", SECRET, " with an explicit deny in a resource control policy"),
        "ecsTaskExecutionRole",
        "secretsmanager:GetSecretValue",
        SECRET,
        "rcp",
        None,
        None,
    ),
    "permissions boundary": (
        iam(USER, "iam:PassRole", ROLE, no_allow("permissions boundary", "iam:PassRole")),
        USER,
        "iam:PassRole",
        ROLE,
        "boundary",
        None,
        None,
    ),
    "session policy (the documented 'sessions policy' too)": (
        iam(
            TASK, "secretsmanager:GetSecretValue", SECRET, no_allow("sessions policy", "secretsmanager:GetSecretValue")
        ),
        "ecsTaskRole",
        "secretsmanager:GetSecretValue",
        SECRET,
        "session_policy",
        None,
        None,
    ),
    "resource-based policy, explicit deny": (
        iam(
            EXECUTION,
            "kms:Decrypt",
            f"arn:aws:kms:ap-northeast-2:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            " with an explicit deny in a resource-based policy",
        ),
        "ecsTaskExecutionRole",
        "kms:Decrypt",
        f"arn:aws:kms:ap-northeast-2:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "resource_policy",
        None,
        None,
    ),
    "old message, no clause": (PASS_ROLE.split(" because")[0], USER, "iam:PassRole", ROLE, "unknown", None, None),
    "botocore exception": (
        "botocore.errorfactory.AccessDeniedException: An error occurred (AccessDeniedException) when calling the "
        f"RunTask operation: {iam(USER, 'iam:PassRole', ROLE)}",
        USER,
        "iam:PassRole",
        ROLE,
        "unknown",
        None,
        "run",
    ),
    "Terraform (Go SDK v2)": (
        "Error: creating ECS Task Definition (ig-notification): operation error ECS: RegisterTaskDefinition, https "
        "response error StatusCode: 400, RequestID: 4f5c, api error AccessDeniedException: " + PASS_ROLE,
        USER,
        "iam:PassRole",
        ROLE,
        "no_identity_allow",
        None,
        "register",
    ),
    "ECS: a secret from Secrets Manager": (
        START
        + "unable to retrieve secret from asm: service call has been retried 1 time(s): AccessDeniedException: "
        + iam(EXECUTION, "secretsmanager:GetSecretValue", SECRET, no_allow("identity-based policy", "x"))
        + " status code: 400, request id: a87a66d9",
        "ecsTaskExecutionRole",
        "secretsmanager:GetSecretValue",
        SECRET,
        "no_identity_allow",
        None,
        "secret",
    ),
    "ECS: parameters from SSM": (
        START
        + "unable to retrieve secrets from ssm: service call has been retried 1 time(s): AccessDeniedException: "
        + iam(EXECUTION, "ssm:GetParameters", PARAMETER, no_allow("identity-based policy", "ssm:GetParameters")),
        "ecsTaskExecutionRole",
        "ssm:GetParameters",
        PARAMETER,
        "no_identity_allow",
        None,
        "secret",
    ),
    "ECS: registry auth": (
        START
        + "unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: "
        + iam(EXECUTION, "ecr:GetAuthorizationToken", "*", no_allow("identity-based policy", "x")),
        "ecsTaskExecutionRole",
        "ecr:GetAuthorizationToken",
        "*",
        "no_identity_allow",
        None,
        "image",
    ),
    "ECS: the awslogs driver": (
        "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: "
        "failed to create Cloudwatch log group: AccessDeniedException: "
        + iam(EXECUTION, "logs:CreateLogGroup", f"{LOG_GROUP}:log-stream:", no_allow("identity-based policy", "x"))
        + " status code: 400",
        "ecsTaskExecutionRole",
        "logs:CreateLogGroup",
        f"{LOG_GROUP}:log-stream:",
        "no_identity_allow",
        None,
        "logs",
    ),
    "ECS: image pull, 403": (
        f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
        f"{ACCOUNT}.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification:1.4.2: unexpected status from HEAD request: "
        "403 Forbidden",
        None,
        None,
        f"{ACCOUNT}.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification:1.4.2",  # the image the pull names
        "unknown",
        None,
        "image",
    ),
    "ECS: environment files": (
        "ResourceInitializationError: failed to download env files: file redirect: unable to download env file "
        "with key notification.env from bucket ig-config: AccessDenied: Access Denied status code: 403",
        None,
        None,
        None,
        "unknown",
        None,
        "env_files",
    ),
    "ECS: EFS": (
        "ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: b'mount.nfs4: "
        "access denied by server while mounting 127.0.0.1:/'",
        None,
        None,
        None,
        "unknown",
        None,
        "efs",
    ),
    "ECS: KMS": (
        START + "unable to retrieve secrets from ssm: AccessDeniedException: The ciphertext refers to a customer "
        "master key that does not exist, does not exist in this region, or you are not allowed to access it.",
        None,
        "kms:Decrypt",
        None,
        "unknown",
        None,
        "secret",
    ),
    "ECS: trust": (
        f"ECS was unable to assume the role '{ROLE}' that was provided for this task. Please verify that the role "
        "being passed has the proper trust relationship and permissions and that your IAM user has permissions to "
        "pass this role.",
        "ecs-tasks.amazonaws.com",
        "sts:AssumeRole",
        ROLE,
        "trust",
        None,
        "assume_role",
    ),
}


EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole"
POSTGRES = f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:prod/ignite-pilot/postgresInfo2-Xy9Zq1"
IMAGE = f"{ACCOUNT}.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification"
REGISTER = "An error occurred (AccessDeniedException) when calling the RegisterTaskDefinition operation: "

# Messages as people paste them (written for these tests in the shapes collected from public threads):
# redacted, broken over lines, behind a tool's prefix or inside JSON, in the ECS agent's other wordings,
# without an IAM clause, and a trust failure naming the role without an ARN. Same columns as SHAPES.
PASTED = {
    "redacted: [redacted] account": (
        iam(
            "arn:aws:iam::[redacted]:user/dev-pilot-reader",
            "iam:PassRole",
            "arn:aws:iam::[redacted]:role/ecsTaskExecutionRole",
            no_allow("identity-based policy", "iam:PassRole"),
        ),
        "arn:aws:iam::[redacted]:user/dev-pilot-reader",
        "iam:PassRole",
        "arn:aws:iam::[redacted]:role/ecsTaskExecutionRole",
        "no_identity_allow",
        None,
        None,
    ),
    "redacted: {REGION} and <ACCOUNT_ID> in the resource": (
        START
        + "unable to retrieve secret from asm: service call has been retried 1 time(s): AccessDeniedException: "
        + iam(
            "arn:aws:sts::<ACCOUNT_ID>:assumed-role/ecsTaskExecutionRole/<TASK_ID>",
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:{REGION}:<ACCOUNT_ID>:secret:prod/ignite-pilot/postgresInfo2-Xy9Zq1",
            no_allow("identity-based policy", "secretsmanager:GetSecretValue"),
        ),
        "ecsTaskExecutionRole",
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:{REGION}:<ACCOUNT_ID>:secret:prod/ignite-pilot/postgresInfo2-Xy9Zq1",
        "no_identity_allow",
        None,
        "secret",
    ),
    "redacted: ${アカウントID}": (
        iam(
            "arn:aws:sts::${アカウントID}:assumed-role/ecsTaskRole/${タスクID}",
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:ap-northeast-2:${アカウントID}:secret:prod/ignite-pilot/postgresInfo2-Xy9Zq1",
        ),
        "ecsTaskRole",
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:ap-northeast-2:${アカウントID}:secret:prod/ignite-pilot/postgresInfo2-Xy9Zq1",
        "unknown",
        None,
        None,
    ),
    "redacted: the whole principal is ***": (
        REGISTER
        + iam("***", "iam:PassRole", "arn:aws:iam::***:role/ecsTaskRole", no_allow("identity-based policy", "x")),
        None,
        "iam:PassRole",
        "arn:aws:iam::***:role/ecsTaskRole",
        "no_identity_allow",
        None,
        "register",
    ),
    "redacted: ... for the account and the session": (
        START
        + "unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: "
        + iam(
            "arn:aws:sts::...:assumed-role/ecsTaskExecutionRole/...",
            "ecr:GetAuthorizationToken",
            "*",
            no_allow("identity-based policy", "ecr:GetAuthorizationToken"),
        ),
        "ecsTaskExecutionRole",
        "ecr:GetAuthorizationToken",
        "*",
        "no_identity_allow",
        None,
        "image",
    ),
    "redacted: YOUR_AWS_ACCOUNT": (
        iam(
            "arn:aws:iam::YOUR_AWS_ACCOUNT:user/dev-pilot-reader",
            "ecs:RegisterTaskDefinition",
            "*",
            no_allow("identity-based policy", "ecs:RegisterTaskDefinition"),
        ),
        "arn:aws:iam::YOUR_AWS_ACCOUNT:user/dev-pilot-reader",
        "ecs:RegisterTaskDefinition",
        "*",
        "no_identity_allow",
        None,
        "register",
    ),
    "redacted: an account that is not 12 digits": (
        iam(
            "arn:aws:iam::57508440042:user/dev-pilot-reader",
            "iam:PassRole",
            "arn:aws:iam::57508440042:role/ecsTaskRole",
        ),
        "arn:aws:iam::57508440042:user/dev-pilot-reader",
        "iam:PassRole",
        "arn:aws:iam::57508440042:role/ecsTaskRole",
        "unknown",
        None,
        None,
    ),
    "redacted: [role]/[function]": (
        "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: "
        "failed to create Cloudwatch log stream: AccessDeniedException: "
        + iam(
            "arn:aws:sts::[account]:assumed-role/[role]/[function]",
            "logs:CreateLogStream",
            "arn:aws:logs:ap-northeast-2:[account]:log-group:/ecs/ig-notification:log-stream:ecs/app/[task]",
            no_allow("identity-based policy", "logs:CreateLogStream"),
        ),
        None,
        "logs:CreateLogStream",
        "arn:aws:logs:ap-northeast-2:[account]:log-group:/ecs/ig-notification:log-stream:ecs/app/[task]",
        "no_identity_allow",
        None,
        "logs",
    ),
    "broken between 'perform:' and the action, and at every clause": (
        REGISTER.rstrip()
        + f"\n  User: {USER}\n  is not authorized to perform:\n  iam:PassRole\n  on resource:\n  {ROLE}"
        + "\n  because no identity-based\n  policy allows the iam:PassRole action\n",
        USER,
        "iam:PassRole",
        ROLE,
        "no_identity_allow",
        None,
        "register",
    ),
    "GitHub Actions: a timestamp before every line": (
        "2026-12-01T10:00:01.1234567Z ##[error]An error occurred (AccessDeniedException) when calling the\n"
        f"2026-12-01T10:00:01.1234567Z RegisterTaskDefinition operation: User: {USER} is not authorized to\n"
        f"2026-12-01T10:00:01.1234568Z perform: iam:PassRole on resource: {EXECUTION_ROLE} because no\n"
        "2026-12-01T10:00:01.1234568Z identity-based policy allows the iam:PassRole action\n",
        USER,
        "iam:PassRole",
        EXECUTION_ROLE,
        "no_identity_allow",
        None,
        "register",
    ),
    "Windows line ends": (
        REGISTER + f"User: {USER}\r\nis not authorized to perform: iam:PassRole on resource: {ROLE}\r\n",
        USER,
        "iam:PassRole",
        ROLE,
        "unknown",
        None,
        "register",
    ),
    "CLI prefix: ✘ run task": (
        f"✘ run task ig-notification on ig-pilot: AccessDeniedException: {iam(USER, 'iam:PassRole', EXECUTION_ROLE)}",
        USER,
        "iam:PassRole",
        EXECUTION_ROLE,
        "unknown",
        None,
        "run",
    ),
    "JSON fragment: stoppedReason": (
        '    "stoppedReason": "ResourceInitializationError: unable to pull secrets or registry auth: execution '
        "resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): "
        f"failed to fetch secret {POSTGRES} from secrets manager: AccessDeniedException: "
        + iam(EXECUTION, "secretsmanager:GetSecretValue", POSTGRES, no_allow("identity-based policy", "x"))
        + ' status code: 400, request id: 5c2f0e1d",',
        "ecsTaskExecutionRole",
        "secretsmanager:GetSecretValue",
        POSTGRES,
        "no_identity_allow",
        None,
        "secret",
    ),
    "JSON fragment with escaped line breaks and quotes": (
        '{"tasks": [{"stoppedReason": "Fetching secret data from SSM Parameter Store in ap-northeast-2:\\n'
        f"AccessDeniedException: User: {EXECUTION} is not authorized to perform:\\nssm:GetParameters on resource: "
        f'{PARAMETER}\\nstatus code: 400 \\"x\\""}}]}}',
        "ecsTaskExecutionRole",
        "ssm:GetParameters",
        PARAMETER,
        "unknown",
        None,
        "secret",
    ),
    "console: Task stopped at": (
        "Task stopped at: 2026-12-01 19:04:11 +0900\nCannotPullContainerError: pull image manifest has been "
        f"retried 5 time(s): failed to resolve ref {IMAGE}:1.4.2: pulling from host "
        f"{ACCOUNT}.dkr.ecr.ap-northeast-2.amazonaws.com failed with status code [manifests 1.4.2]: 403 Forbidden: "
        + iam(EXECUTION, "ecr:BatchGetImage", f"arn:aws:ecr:ap-northeast-2:{ACCOUNT}:repository/ig-notification"),
        "ecsTaskExecutionRole",
        "ecr:BatchGetImage",
        f"arn:aws:ecr:ap-northeast-2:{ACCOUNT}:repository/ig-notification",
        "unknown",
        None,
        "image",
    ),
    "ECS agent: SSM Parameter Store, older wording": (
        "Fetching secret data from SSM Parameter Store in ap-northeast-2: AccessDeniedException: "
        + iam(EXECUTION, "ssm:GetParameters", PARAMETER)
        + " status code: 400, request id: 0e1f2a3b",
        "ecsTaskExecutionRole",
        "ssm:GetParameters",
        PARAMETER,
        "unknown",
        None,
        "secret",
    ),
    "ECS agent: Secrets Manager, older wording": (
        f"Fetching secret data from AWS Secrets Manager in region ap-northeast-2: secret {POSTGRES}: "
        "AccessDeniedException: "
        + iam(EXECUTION, "secretsmanager:GetSecretValue", POSTGRES, no_allow("identity-based policy", "x")),
        "ecsTaskExecutionRole",
        "secretsmanager:GetSecretValue",
        POSTGRES,
        "no_identity_allow",
        None,
        "secret",
    ),
    "ECS agent: create stream retried, log stream": (
        "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: "
        "failed to create Cloudwatch log stream: AccessDeniedException: "
        + iam(
            EXECUTION,
            "logs:CreateLogStream",
            f"{LOG_GROUP}:log-stream:ecs/ig-notification/4e1b9c0d2f3a4b5c6d7e8f9a0b1c2d3e",
            no_allow("identity-based policy", "logs:CreateLogStream"),
        ),
        "ecsTaskExecutionRole",
        "logs:CreateLogStream",
        f"{LOG_GROUP}:log-stream:ecs/ig-notification/4e1b9c0d2f3a4b5c6d7e8f9a0b1c2d3e",
        "no_identity_allow",
        None,
        "logs",
    ),
    "no IAM clause: Access to KMS is not allowed": (
        START + "unable to retrieve secret from asm: service call has been retried 1 time(s): AccessDeniedException: "
        "Access to KMS is not allowed status code: 400, request id: 3d4e5f6a",
        None,
        "kms:Decrypt",
        None,
        "unknown",
        None,
        "secret",
    ),
    "no IAM clause: the ciphertext, shorter wording": (
        "ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve secrets from ssm: "
        "AccessDeniedException: The ciphertext refers to a customer master key that does not exist or you are not "
        "allowed to access it.",
        None,
        "kms:Decrypt",
        None,
        "unknown",
        None,
        "secret",
    ),
    "no IAM clause: pull access denied": (
        f"CannotPullContainerError: Error response from daemon: pull access denied for {IMAGE}, repository does "
        "not exist or may require 'docker login': denied: requested access to the resource is denied",
        None,
        None,
        IMAGE,
        "unknown",
        None,
        "image",
    ),
    "no IAM clause: Role is not valid": (
        "An error occurred (ClientException) when calling the RegisterTaskDefinition operation: Role is not valid",
        None,
        None,
        None,
        "trust",
        None,
        "register",
    ),
    "trust: the role by name, quoted": (
        "ECS was unable to assume the role 'ecsTaskExecutionRole' that was provided for this task. Please verify "
        "that the role being passed has the proper trust relationship and permissions.",
        "ecs-tasks.amazonaws.com",
        "sts:AssumeRole",
        "ecsTaskExecutionRole",
        "trust",
        None,
        "assume_role",
    ),
    "trust: the role by name, unquoted": (
        "ECS was unable to assume the role ecsTaskRole that was provided for this task.",
        "ecs-tasks.amazonaws.com",
        "sts:AssumeRole",
        "ecsTaskRole",
        "trust",
        None,
        "assume_role",
    ),
}


def masked(text: str, mask: str) -> str:
    return text.replace(ACCOUNT, mask)


def hard_wrapped(text: str, width: int = 61, indent: str = "        ") -> str:
    """As a terminal or a CLI's table cuts a long line: at a fixed column, mid-word."""
    return "\n".join(indent + text[i : i + width] for i in range(0, len(text), width))


def word_wrapped(text: str) -> str:
    """As a log viewer breaks lines at spaces, with Terraform's margin."""
    words, lines, line = text.split(" "), [], ""
    for word in words:
        if line and len(line) + len(word) > 50:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join("│ " + x for x in lines + [line])


def expected_with_mask(value: str | None, mask: str) -> str | None:
    return None if value is None else value.replace(ACCOUNT, re.sub(r"\s+", "_", mask))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "form",
    [
        "as is",
        "masked ***",
        "masked <ACCOUNT_ID>",
        "masked <account id>",
        "masked xxxxxxxxxxxx",
        "hard-wrapped",
        "word-wrapped",
        "in a log",
    ],
)
def test_every_shape_is_read_whole(shape, form):
    text, principal, action, resource, cause, policy, step = SHAPES[shape]
    mask = form.removeprefix("masked ") if form.startswith("masked") else None
    given_text = (
        masked(text, mask)
        if mask
        else hard_wrapped(text)
        if form == "hard-wrapped"
        else word_wrapped(text)
        if form == "word-wrapped"
        else f"2026-12-01T10:00:00Z INFO deploying\n2026-12-01T10:00:01Z ERROR {text}\nexit status 254\n"
        if form == "in a log"
        else text
    )
    [d] = read(given_text)
    if mask:
        principal, resource, policy = (expected_with_mask(v, mask) for v in (principal, resource, policy))
        if principal and principal.startswith("arn:"):
            assert d.account is None  # masked: never taken from the text as an account
    assert (d.principal, d.action, d.resource, d.cause, d.policy_arn, d.step) == (
        principal,
        action,
        resource,
        cause,
        policy,
        step,
    )
    assert d.cause in CAUSES and (d.step is None or d.step in STEPS)


@pytest.mark.parametrize("shape", PASTED)
@pytest.mark.parametrize("where", ["as pasted", "in a log", "twice in a log"])
def test_every_pasted_shape_is_read_with_what_its_text_states(shape, where):
    """Each shape gives one denial: the step from its wrapper, and action, resource and cause wherever the text
    states them; None only for what it leaves out. Printed twice, it is still one denial, counted twice."""
    text, principal, action, resource, cause, policy, step = PASTED[shape]
    log = f"2026-12-01T10:00:00Z INFO deploying\n{text}\nexit status 254\n"
    given = {"as pasted": text, "in a log": log, "twice in a log": log + "retrying\n" + log}[where]
    [d] = read(given)
    assert (d.principal, d.action, d.resource, d.cause, d.policy_arn, d.step) == (
        principal,
        action,
        resource,
        cause,
        policy,
        step,
    )
    assert d.count == (2 if where == "twice in a log" else 1)
    if d.principal_arn is not None and not re.search(r":\d{12}:", d.principal_arn):
        assert d.account is None  # a redacted or short account is never taken as one


def test_a_log_repeating_one_error_gives_one_denial_with_its_count():
    line = "2026-12-01T10:00:01Z ERROR " + SHAPES["identity, no allow, CLI wrapper"][0] + "\n"
    log = line * 20_000
    assert len(log) > 5_000_000
    [d] = read(log)
    assert (d.action, d.count, d.step) == ("iam:PassRole", 20_000, "register")


def test_a_repeat_without_its_wrapper_joins_the_one_with_it():
    """A CI log prints the error under its step, then again bare in the job's summary."""
    [d] = read(SHAPES["identity, no allow, CLI wrapper"][0] + "\n" + "-" * 700 + "\n##[error]" + PASS_ROLE)
    assert (d.step, d.operation, d.count) == ("register", "RegisterTaskDefinition", 2)
    [d] = read("##[error]" + PASS_ROLE + "\n" + "-" * 700 + "\n" + SHAPES["identity, no allow, CLI wrapper"][0])
    assert (d.step, d.count) == ("register", 2)


def test_the_same_denial_at_two_steps_is_two_denials():
    run = "An error occurred (AccessDeniedException) when calling the RunTask operation: " + PASS_ROLE
    found = read(SHAPES["identity, no allow, CLI wrapper"][0] + "\n" + "-" * 700 + "\n" + run)
    assert [(d.step, d.count) for d in found] == [("register", 1), ("run", 1)]


def test_task_starts_differing_only_in_session_and_stream_are_one_denial():
    def start(task_id: str) -> str:
        who = f"arn:aws:sts::{ACCOUNT}:assumed-role/ecsTaskExecutionRole/{task_id}"
        stream = f"{LOG_GROUP}:log-stream:ecs/ig-notification/{task_id}"
        return "failed to create Cloudwatch log stream: " + iam(who, "logs:CreateLogStream", stream)

    [d] = read("\n".join(start(f"{n:032x}") for n in range(3)))
    assert (d.principal, d.count) == ("ecsTaskExecutionRole", 3)
    assert d.resource.endswith(f"{0:032x}")  # the first one's own resource, as written


def test_distinct_denials_keep_their_order_and_counts():
    trust = SHAPES["ECS: trust"][0]
    found = read("\n".join([PASS_ROLE, trust, PASS_ROLE, trust, trust]))
    assert [(d.action, d.count) for d in found] == [("iam:PassRole", 2), ("sts:AssumeRole", 3)]


def test_the_account_is_read_when_it_is_not_masked():
    [d] = read(PASS_ROLE)
    assert d.account == ACCOUNT and d.principal_arn == USER and not d.explicit


def test_an_explicit_deny_is_told_from_a_missing_allow():
    [deny] = read(iam(USER, "iam:PassRole", ROLE, " with an explicit deny in a resource-based policy"))
    [missing] = read(iam(USER, "iam:PassRole", ROLE, no_allow("resource-based policy", "iam:PassRole")))
    assert (deny.cause, deny.explicit) == ("resource_policy", True)
    assert (missing.cause, missing.explicit) == ("resource_policy", False)


def test_a_log_with_three_denials_gives_three_findings_in_order():
    log = "\n".join(
        ["Step 1/3", SHAPES["ECS: parameters from SSM"][0], "retrying...", PASS_ROLE, SHAPES["ECS: trust"][0], "done"]
    )
    assert [d.action for d in read(log)] == ["ssm:GetParameters", "iam:PassRole", "sts:AssumeRole"]


def test_a_wrapper_names_the_step_of_its_own_message_only():
    log = SHAPES["ECS: parameters from SSM"][0] + "\n" + "x" * 700 + "\n" + PASS_ROLE
    assert [d.step for d in read(log)] == ["secret", None]


def test_a_git_ref_in_a_log_is_not_efs():
    log = (
        "ref: refs/heads/main\nAn error occurred (AccessDeniedException) when calling the RegisterTaskDefinition "
        "operation: " + PASS_ROLE
    )
    assert [d.step for d in read(log)] == ["register"]


def test_arn_like_text_without_whitespace_is_read_in_linear_time():
    """A minified log line full of ARN-like text once backtracked for minutes (cubic in its length): each
    open-ended part of every pattern is bounded and possessive now, placeholders ([x], {x}, ${x}) included.
    The patterns are tried here on the whole of each text (``read`` tries them only near the words a message
    must hold). The alarm only stops a hang."""
    import signal

    from taskdef.account import denial_patterns as p

    def hang(*_):
        raise TimeoutError("a pattern of denials backtracked on ARN-like text")

    patterns = [p.IAM_MESSAGE, p.TRUST_MESSAGE, p.IMAGE_REF] + [b.pattern for b in p.BARE]
    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(60)
    try:
        for token in (
            "arn:aws:iam::1:user/x" * 5000,
            ":user" * 40000,
            "arn:aws:sts::" * 10000,
            ("arn:aws:iam::123456789012:role/" + "a" * 50) * 2000,
            "arn:aws:iam::[" * 10000,
            "arn:aws:iam::${" * 10000,
            "arn:aws:iam::[x]:user/[y]" * 5000,
            "{" * 40000 + "}",
            "User: " + "[redacted]" * 10000,
            "CannotPullContainerError: " + "x" * 100_000,
            "pull access denied for " + "a/" * 50_000,
        ):
            for tail in ("", " is not authorized to perform: iam:PassRole on resource: " + token):
                for pattern in patterns:
                    pattern.search(token + tail)
            assert read(token + " is not authorized") == []
        assert [d.action for d in read("arn:aws:iam::1:user/x" * 5000 + " " + PASS_ROLE)] == ["iam:PassRole"]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_call_outside_registering_and_running_is_step_other():
    text = f"An error occurred (AccessDenied) when calling the ListRoles operation: {iam(USER, 'iam:ListRoles', '*')}"
    [d] = read(text)
    assert (d.step, d.operation) == ("other", "ListRoles")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "Error: something else went wrong",
        "AccessDenied",
        "403 Forbidden",
        "User: is not authorized to perform: nothing",
        "\x00\xff" * 10,
    ],
)
def test_text_without_a_denial_gives_nothing(text):
    assert read(text) == []


def test_a_10_mb_log_is_read_within_its_bound():
    noise = "2026-12-01T10:00:00Z INFO step ok: arn:aws:iam::575084400422:role/x is fine\n" * 140_000
    assert len(noise) > 10_000_000
    found = read(noise + PASS_ROLE)
    assert [d.action for d in found] == ["iam:PassRole"]


def test_past_the_bound_the_end_of_the_log_is_read():
    """A CI log ends with its error: what is cut from a paste longer than the bound is its beginning."""
    from taskdef.account.denials import MAX_INPUT_CHARS

    first = iam(USER, "ecs:RunTask", None)
    found = read(first + "\n" + "x" * MAX_INPUT_CHARS + "\n" + PASS_ROLE)
    assert [d.action for d in found] == ["iam:PassRole"]


_PRINCIPALS = st.sampled_from([USER, EXECUTION, TASK, f"arn:aws:iam::{ACCOUNT}:role/deploy"])
_ACTIONS = st.sampled_from(["iam:PassRole", "ecs:RunTask", "secretsmanager:GetSecretValue", "logs:PutLogEvents"])
_CLAUSES = st.sampled_from(
    [
        ("", "unknown"),
        (no_allow("identity-based policy", "x"), "no_identity_allow"),
        (" with an explicit deny in an identity-based policy", "explicit_deny_identity"),
        (" with an explicit deny in a service control policy", "scp"),
        (no_allow("service control policy", "x"), "scp"),
        (" with an explicit deny in a resource control policy", "rcp"),
        (no_allow("permissions boundary", "x"), "boundary"),
        (no_allow("session policy", "x"), "session_policy"),
        (" with an explicit deny in a resource-based policy", "resource_policy"),
        (" with an explicit deny in a VPC endpoint policy", "vpc_endpoint_policy"),
    ]
)
_NOISE = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80).filter(
    lambda t: "authori" not in t.lower() and "ECS was unable" not in t
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(_NOISE, _PRINCIPALS, _ACTIONS, st.booleans(), _CLAUSES), min_size=0, max_size=4),
    _NOISE,
    st.sampled_from(["***", "<ACCOUNT_ID>", None]),
)
def test_generated_logs_give_one_finding_per_distinct_message(messages, tail, mask):
    text = ""
    for noise, principal, action, with_resource, (clause, _) in messages:
        text += noise + "\n" + iam(principal, action, ROLE if with_resource else None, clause) + "\n"
    text += tail
    if mask:
        text = text.replace(ACCOUNT, mask)
    found = read(text)
    distinct: dict[tuple, int] = {}
    for _, principal, action, with_resource, clause in messages:
        key = (principal, action, with_resource, clause)
        distinct[key] = distinct.get(key, 0) + 1
    assert [(d.action, d.cause, d.count) for d in found] == [
        (action, cause, n) for (_, action, _, (_, cause)), n in distinct.items()
    ]
    for d, (_, _, with_resource, _) in zip(found, distinct):
        assert (d.resource is not None) == with_resource
        assert d.account == (None if mask else ACCOUNT)
