"""Apply a synthesized stack with Terraform against the AWS emulator, and read back what it made.

The stack directory itself is never touched: a copy gets one override file
(local state, the mirror's provider version, test credentials, and AWS files of its
own that send every service to the emulator). Then ``init``, ``apply``, and a second
``plan`` that must be empty (where it changes only an emulator gap, it must be empty
once the gap is pinned to the emulator's value), and a read-back of the task definition,
the policies, the log groups and the outputs against the permission plan and
``task-definition.rendered.json``. A job's commands after ``init`` share one provider process.
"""

from __future__ import annotations

import atexit
import fnmatch
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taskdef.model.plan import Plan, Statement, policy_document
from taskdef.model.terraform import FIELD_MAP
from taskdef.output.names import RENDERED_TASK_DEFINITION_FILE

from .emulator import ACCESS_KEY, SECRET_KEY, MotoServer

PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"
MIRROR_VARIABLE = "TF_PROVIDER_MIRROR"
# Where a filesystem mirror of hashicorp/aws usually lives; TF_PROVIDER_MIRROR comes first.
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)
OVERRIDE_FILE = "emulator_override.tf.json"
# The copy's own AWS files: a config with one profile whose endpoint_url sends every service to the emulator,
# and an empty credentials file (the keys are in the override), so that no file of the user's is read.
AWS_CONFIG_FILE = "emulator.aws-config"
AWS_CREDENTIALS_FILE = "emulator.aws-credentials"
AWS_PROFILE = "emulator"
# Pins each emulator gap to the value the emulator holds, for the plan that must then be empty.
GAP_OVERRIDE_FILE = "emulator_gaps_override.tf.json"
STATE_FILE = "terraform.tfstate"
# A value no configuration contains: the seeded secrets hold it, and the state must not.
SECRET_VALUE_MARKER = "emulator-seeded-secret-value"

# The service behind each resource or data source type the stack may hold, all of which the emulator
# serves. A type missing here stops the harness before Terraform runs, with a sentence, instead of an
# apply that fails somewhere inside the emulator.
SERVICE_OF_TYPE = (
    ("aws_iam_", "iam"),
    ("aws_ecs_", "ecs"),
    ("aws_cloudwatch_log_", "logs"),
    ("aws_secretsmanager_", "secretsmanager"),
    ("aws_ssm_", "ssm"),
    ("aws_kms_", "kms"),
    ("aws_ecr_", "ecr"),
)


@dataclass(frozen=True)
class EmulatorGap:
    """An argument the emulator does not store: the provider reads it back empty, so the second
    plan changes it, and the read-back cannot find it. One argument of one resource type, never more."""

    resource_type: str
    argument: str  # the Terraform argument
    member: str  # the same value in the RegisterTaskDefinition input
    why: str


EMULATOR_GAPS = (
    EmulatorGap(
        "aws_ecs_task_definition",
        "enable_fault_injection",
        "enableFaultInjection",
        "moto 5.2.5's RegisterTaskDefinition drops enableFaultInjection, so DescribeTaskDefinition never "
        "returns it and every plan replaces the task definition on this argument alone",
    ),
)
_GAP_ARGUMENTS = {(g.resource_type, g.argument) for g in EMULATOR_GAPS}

# Members the provider has no argument for (taskdef.terraform maps them to none).
NOT_SENT = tuple(member for member, mapping in FIELD_MAP.items() if mapping and not mapping[0])
# Members of the task definition that Terraform holds as a set or a map: their order is not kept.
UNORDERED_MEMBERS = ("volumes", "requiresCompatibilities", "placementConstraints", "proxyConfiguration.properties")


class HarnessError(AssertionError):
    """A Terraform step failed, or the second plan was not empty."""


@dataclass(frozen=True)
class Toolchain:
    terraform: str
    mirror: Path  # the folder above registry.terraform.io
    provider_version: str


def find_toolchain(environ=os.environ) -> Toolchain | str:
    """The Terraform binary and the provider mirror, or a sentence that says what is missing."""
    terraform = shutil.which("terraform")
    if terraform is None:
        return "no terraform binary on PATH"
    found = find_mirror(environ)
    if isinstance(found, str):
        return found
    return Toolchain(terraform, *found)


def find_mirror(environ=os.environ) -> tuple[Path, str] | str:
    """(the mirror's root, its newest hashicorp/aws version), or a sentence that says what is missing."""
    candidates = [environ[MIRROR_VARIABLE]] if environ.get(MIRROR_VARIABLE) else list(MIRROR_CANDIDATES)
    for candidate in candidates:
        root = Path(candidate).expanduser()
        provider = root / PROVIDER_SOURCE
        # Unpacked layout (<version>/<platform>/) or packed (the zip `terraform providers mirror` writes).
        versions = sorted(
            {
                *(p.parent.name for p in provider.glob(f"*/{_platform()}")),
                *(p.name.split("_")[1] for p in provider.glob(f"terraform-provider-aws_*_{_platform()}.zip")),
            },
            key=version_key,
        )
        if versions:
            return root, versions[-1]
    where = environ.get(MIRROR_VARIABLE) or ", ".join(MIRROR_CANDIDATES)
    return (
        f"no filesystem mirror of hashicorp/aws ({PROVIDER_SOURCE}/<version>/ under {where}); "
        f"set {MIRROR_VARIABLE} to the folder above registry.terraform.io"
    )


def _platform() -> str:
    machine = platform.machine().lower()
    return f"{platform.system().lower()}_{ {'x86_64': 'amd64', 'aarch64': 'arm64'}.get(machine, machine) }"


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) if x.isdigit() else -1 for x in re.split(r"[.-]", version))


def terraform_environment(toolchain: Toolchain) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(
        CHECKPOINT_DISABLE="1",
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        TF_CLI_CONFIG_FILE=os.devnull,  # no user CLI configuration redirects providers or credentials
        AWS_EC2_METADATA_DISABLED="true",
        # The provider builds a large schema at every start; fewer collections cut its CPU time by a
        # quarter.
        GOGC="400",
    )
    return env


def run_terraform(
    toolchain: Toolchain, workdir: Path, *args: str, ok: Iterable[int] = (0,), timeout: int = 600
) -> subprocess.CompletedProcess:
    env = terraform_environment(toolchain)
    server = _served_provider(workdir, env) if args[0] != "init" else None
    if server is not None:
        env["TF_REATTACH_PROVIDERS"] = server.reattach
    result = subprocess.run(
        [toolchain.terraform, *args, "-no-color"], cwd=workdir, capture_output=True, text=True, env=env, timeout=timeout
    )
    if result.returncode not in tuple(ok):
        served = f"\nthe provider process {server.status()}" if server is not None else ""
        raise HarnessError(
            f"terraform {' '.join(args)} in {workdir} exited {result.returncode}:\n"
            f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}{served}"
        )
    return result


# A provider in debug mode serves until it is interrupted (SIGINT), and outlives whoever started it. This
# shell leaves behind a watcher of a pipe whose write end only the harness's process holds, then becomes the
# provider (exec keeps its pid, $$, and keeps SIGINT, which a background job would ignore): when the pipe
# closes (stop(), or the harness's process ending however it ends), the watcher interrupts the provider.
LIFELINE = """exec 3<&0 </dev/null
{ read -r _ <&3; kill -INT $$ 2>/dev/null; } &
exec "$1" -debug 3<&-
"""
# The lines of a Go crash from which the log is shown: the stack that follows can be long.
CRASH = re.compile(r"^(panic: |fatal error: )", re.MULTILINE)


class ProviderServer:
    """The workdir's installed hashicorp/aws, started once in debug mode; Terraform attaches to it
    (TF_REATTACH_PROVIDERS) instead of starting the provider again for each command and walk.

    Each start costs the provider about 1.3 s of CPU to build its schema, five or more times a job. The binary
    is the one ``terraform init`` installed from the mirror, so the provider is the same; only its process
    lives longer, for one job's commands, as terraform-plugin-testing runs a provider for its test steps.
    """

    REATTACH = re.compile(r"TF_REATTACH_PROVIDERS='(.+)'")

    def __init__(self, workdir: Path, env: dict[str, str], *, timeout: float = 60) -> None:
        binaries = sorted(
            workdir.glob(f".terraform/providers/{PROVIDER_SOURCE}/*/{_platform()}/terraform-provider-aws*")
        )
        if len(binaries) != 1:
            raise HarnessError(f"{workdir}: expected one installed hashicorp/aws after init, found {binaries}")
        self.log_path = workdir / "provider-server.log"
        # Debug mode logs at TRACE otherwise: megabytes a job.
        env = {
            **env,
            **{
                f"TF_LOG{part}": "WARN"
                for part in ("", "_PROVIDER", "_SDK", "_SDK_PROTO", "_SDK_MUX", "_SDK_HELPER_SCHEMA", "_SDK_FRAMEWORK")
            },
        }
        with open(self.log_path, "wb") as log:
            # In a session of its own, so that stop() can kill the provider and its watcher together.
            self._process = subprocess.Popen(
                ["sh", "-c", LIFELINE, "sh", str(binaries[0])],
                env=env,
                cwd=workdir,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while (found := self.REATTACH.search(self.log_path.read_text(encoding="utf-8", errors="replace"))) is None:
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise HarnessError(f"the provider did not start in debug mode: {self.status()}")
            time.sleep(0.05)
        self.reattach = found.group(1)

    def status(self) -> str:
        code = self._process.poll()
        state = "is running" if code is None else f"exited {code}"
        log = self.log_path.read_text(encoding="utf-8", errors="replace")
        crashes = list(CRASH.finditer(log))
        shown = log[crashes[-1].start() :][:6000] if crashes else "\n".join(log.splitlines()[-15:])
        return f"{state}; {'its crash' if crashes else 'the last lines'} in {self.log_path}:\n{shown}"

    def stop(self) -> None:
        if self._process.stdin and not self._process.stdin.closed:
            self._process.stdin.close()  # the interrupt (see LIFELINE)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, 9)
            self._process.wait()


_serving = threading.local()


@contextmanager
def serving_provider() -> Iterator[None]:
    """Within it, this thread's Terraform commands but ``init`` share one provider process (ProviderServer),
    started by the first of them in the workdir it runs in, and stopped at the end."""
    outer = getattr(_serving, "servers", None)
    _serving.servers = {}
    try:
        yield
    finally:
        servers, _serving.servers = _serving.servers, outer
        for server in servers.values():
            server.stop()


def _served_provider(workdir: Path, env: dict[str, str]) -> ProviderServer | None:
    servers = getattr(_serving, "servers", None)
    if servers is None:
        return None
    key = Path(workdir).resolve()
    if key not in servers:
        servers[key] = ProviderServer(key, env)
    return servers[key]


def read_stack(stack_dir: Path) -> dict[str, Any]:
    """Every ``*.tf.json`` of the directory merged by top-level block, as Terraform reads them."""
    merged: dict[str, Any] = {}
    for path in sorted(stack_dir.glob("*.tf.json")):
        for block, value in json.loads(path.read_text(encoding="utf-8")).items():
            if isinstance(value, list):
                merged.setdefault(block, []).extend(value)
            else:
                for kind, items in value.items():
                    target = merged.setdefault(block, {})
                    if isinstance(items, dict):
                        target.setdefault(kind, {}).update(items)
                    else:
                        target[kind] = items
    return merged


def role_paths(stack_dir: Path) -> dict[str, str]:
    """Role name -> IAM path, from the role ARNs of the rendered task definition."""
    rendered_file = stack_dir / RENDERED_TASK_DEFINITION_FILE
    if not rendered_file.exists():
        return {}
    rendered = json.loads(rendered_file.read_text(encoding="utf-8"))
    out = {}
    for key in ("executionRoleArn", "taskRoleArn"):
        m = re.fullmatch(r"arn:[^:]+:iam::\d{12}:role(/(?:[^/]+/)*)([^/]+)", rendered.get(key, ""))
        if m:
            out[m.group(2)] = m.group(1)
    return out


def emulated_services(stack: dict[str, Any]) -> list[str]:
    """The services the stack calls: STS for allowed_account_ids, plus one per resource type."""
    services = {"sts"}
    for block in ("resource", "data"):
        for kind in stack.get(block, {}):
            service = next((s for prefix, s in SERVICE_OF_TYPE if kind.startswith(prefix)), None)
            if service is None:
                raise HarnessError(f"{kind}: the emulator is not known to serve this type; add it to SERVICE_OF_TYPE")
            services.add(service)
    return sorted(services)


def check_stack(stack: dict[str, Any]) -> None:
    """Stop before Terraform runs where the emulator cannot serve the stack, or the stack could reach past it."""
    emulated_services(stack)
    for config in stack.get("provider", {}).get("aws", []):
        # An endpoint the stack set itself would win over the profile's, and an override cannot remove a block.
        if "endpoints" in config:
            raise HarnessError("the stack's aws provider sets endpoints of its own: they would bypass the emulator")
        # The override configures the default provider only; and a job's one provider process serves one
        # configuration at a time.
        if "alias" in config:
            raise HarnessError(
                f"the stack has an aws provider with alias {config['alias']!r}: the harness sends "
                "only the default provider to the emulator"
            )


def override(stack: dict[str, Any], toolchain: Toolchain, workdir: Path) -> dict[str, Any]:
    check_stack(stack)
    config, credentials = (str(workdir.resolve() / name) for name in (AWS_CONFIG_FILE, AWS_CREDENTIALS_FILE))
    return {
        "terraform": {
            "backend": {"local": {"path": STATE_FILE}},
            # The mirror's version, not the pinned 6.25.0: no registry is reachable here.
            "required_providers": {"aws": {"source": "hashicorp/aws", "version": toolchain.provider_version}},
        },
        "provider": {
            "aws": [
                {
                    "access_key": ACCESS_KEY,
                    "secret_key": SECRET_KEY,
                    "skip_metadata_api_check": True,
                    # Not the provider's `endpoints` block: validating that block costs the provider about 6 s of CPU
                    # each time it is configured (three to five times a job, half of all the apply tests' CPU; see
                    # pulumi/pulumi-aws#2880). The SDK's own endpoint_url costs nothing, and sends every service, not
                    # only those listed, to the emulator.
                    "shared_config_files": [config],
                    "shared_credentials_files": [credentials],
                    "profile": AWS_PROFILE,
                }
            ]
        },
    }


def aws_config(moto: MotoServer) -> str:
    return f"[profile {AWS_PROFILE}]\nendpoint_url = {moto.url}\n"


def seed(stack: dict[str, Any], moto: MotoServer, paths: dict[str, str]) -> dict[str, str]:
    """Create what the stack expects to exist; return the secret names with the values seeded.

    ``paths``: role name -> IAM path, for roles the stack reads by name (see ``role_paths``).
    """
    iam, logs, sm = moto.client("iam"), moto.client("logs"), moto.client("secretsmanager")
    resources, data = stack.get("resource", {}), stack.get("data", {})
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    )

    def role(name: str, path: str = "/") -> None:
        try:
            iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=trust)
        except iam.exceptions.EntityAlreadyExistsException:
            pass

    for block in stack.get("import", []):
        kind, _, name = block["to"].partition(".")
        if kind == "aws_iam_role":
            role(block["id"], resources[kind][name].get("path", "/"))
        elif kind == "aws_cloudwatch_log_group":
            try:
                logs.create_log_group(logGroupName=block["id"])
            except logs.exceptions.ResourceAlreadyExistsException:
                pass
        else:
            raise HarnessError(f"import of {block['to']}: the harness does not know how to seed it")
    for config in data.get("aws_iam_role", {}).values():
        role(config["name"], paths.get(config["name"], "/"))
    secrets = {}
    for config in data.get("aws_secretsmanager_secret", {}).values():
        secrets[config["name"]] = f"{SECRET_VALUE_MARKER}:{config['name']}"
        try:
            sm.create_secret(Name=config["name"], SecretString=secrets[config["name"]])
        except sm.exceptions.ResourceExistsException:
            pass
    for config in resources.get("aws_iam_user_policy_attachment", {}).values():
        try:
            iam.create_user(UserName=config["user"])
        except iam.exceptions.EntityAlreadyExistsException:
            pass
    for config in resources.get("aws_iam_role_policy_attachment", {}).values():
        if not config["role"].startswith("${"):  # a role outside the stack, such as a deployer role
            role(config["role"])
    return secrets


@dataclass
class Applied:
    """One stack applied to the emulator and planned again."""

    workdir: Path
    stack: dict[str, Any]
    outputs: dict[str, Any]
    apply_log: str
    second_plan_log: str
    gaps: list[str] = field(default_factory=list)  # emulator gaps the second plan showed, by address
    seeded_secrets: dict[str, str] = field(default_factory=dict)
    read_back_gaps: list[str] = field(default_factory=list)  # members the read-back left out as emulator gaps

    @property
    def state_text(self) -> str:
        return (self.workdir / STATE_FILE).read_text(encoding="utf-8")


def prepare_copy(stack_dir: Path, workdir: Path) -> Path:
    """The stack's files in ``workdir``, without any Terraform working files of the original."""
    shutil.copytree(
        stack_dir,
        workdir,
        ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate", "*.tfstate.*", "*.tfplan"),
    )
    return workdir


_initialized: dict[tuple[str, str], Path] = {}
_init_lock = threading.Lock()
INIT_FILES = (".terraform", ".terraform.lock.hcl")


def init(toolchain: Toolchain, workdir: Path) -> None:
    """``terraform init -plugin-dir`` once per toolchain; every later copy gets its result.

    Every copy has the same override (local backend at the same relative path, the mirror's provider), so
    the result is the same each time, and init hashes the whole provider binary (most of a second of CPU)
    to write it. A copy whose configuration needed more would fail its apply with "init required".
    """
    key = (toolchain.terraform, str(toolchain.mirror))
    with _init_lock:
        template = _initialized.get(key)
        if template is None:
            run_terraform(toolchain, workdir, "init", f"-plugin-dir={toolchain.mirror}", "-input=false")
            template = _initialized[key] = Path(tempfile.mkdtemp(prefix="terraform-init-"))
            # Removed when the process ends, so that a run of the suite leaves nothing in the temp directory.
            atexit.register(shutil.rmtree, template, ignore_errors=True)
            for name in INIT_FILES:
                _copy(workdir / name, template / name)
            return
    for name in INIT_FILES:
        _copy(template / name, workdir / name)


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True)
    else:
        shutil.copy2(source, target)


def apply(stack_dir: Path, workdir: Path, *, toolchain: Toolchain, moto: MotoServer) -> Applied:
    """Copy, override, seed, init, apply, plan again; raise HarnessError unless the second plan is empty."""
    prepare_copy(stack_dir, workdir)
    stack = read_stack(workdir)
    (workdir / OVERRIDE_FILE).write_text(json.dumps(override(stack, toolchain, workdir), indent=2), encoding="utf-8")
    (workdir / AWS_CONFIG_FILE).write_text(aws_config(moto), encoding="utf-8")
    (workdir / AWS_CREDENTIALS_FILE).write_text("", encoding="utf-8")
    secrets = seed(stack, moto, role_paths(workdir))
    init(toolchain, workdir)
    applied = run_terraform(toolchain, workdir, "apply", "-auto-approve", "-input=false")
    gaps = second_plan(toolchain, workdir)
    outputs = json.loads((workdir / STATE_FILE).read_text(encoding="utf-8"))["outputs"]
    return Applied(
        workdir,
        stack,
        {k: v["value"] for k, v in outputs.items()},
        applied.stdout,
        (workdir / "second-plan.txt").read_text(encoding="utf-8"),
        gaps,
        secrets,
    )


def switch(applied: Applied, stack_dir: Path, *, toolchain: Toolchain) -> Applied:
    """Replace the applied configuration by another stack's (a settings change, a re-synth), keep the
    state, and apply again; the second plan must be empty."""
    check_stack(read_stack(stack_dir))
    for path in applied.workdir.glob("*.tf.json"):
        if path.name != OVERRIDE_FILE:
            path.unlink()
    for path in stack_dir.iterdir():
        if path.is_file():
            shutil.copy2(path, applied.workdir / path.name)
    result = run_terraform(toolchain, applied.workdir, "apply", "-auto-approve", "-input=false")
    gaps = second_plan(toolchain, applied.workdir)
    outputs = json.loads((applied.workdir / STATE_FILE).read_text(encoding="utf-8"))["outputs"]
    return Applied(
        applied.workdir,
        read_stack(applied.workdir),
        {k: v["value"] for k, v in outputs.items()},
        result.stdout,
        (applied.workdir / "second-plan.txt").read_text(encoding="utf-8"),
        gaps,
        applied.seeded_secrets,
    )


def destroy(applied: Applied, *, toolchain: Toolchain) -> subprocess.CompletedProcess:
    """``terraform destroy``, whatever its outcome (prevent_destroy makes it fail before it changes anything)."""
    return run_terraform(toolchain, applied.workdir, "destroy", "-auto-approve", "-input=false", ok=(0, 1))


def role_snapshot(moto: MotoServer, name: str) -> dict[str, Any]:
    """Everything a role holds that another service may rely on."""
    iam = moto.client("iam")
    role = iam.get_role(RoleName=name)["Role"]
    return {
        "path": role["Path"],
        "description": role.get("Description"),
        "max_session": role.get("MaxSessionDuration"),
        "trust": normalized_policy(role["AssumeRolePolicyDocument"]),
        "boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "tags": {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]},
        "inline": {
            p: normalized_policy(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])
            for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
        },
        "managed": sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]),
    }


def second_plan(toolchain: Toolchain, workdir: Path, *, terraform=run_terraform) -> list[str]:
    """Plan again: no change at all, or changes to EMULATOR_GAPS alone (returned, by address).

    A gap's replacement hides every other difference of the resource (the replacement shows the
    configuration as written, so even equivalent container definitions differ), and its outputs change
    with it. So the gaps are pinned to the values the emulator holds and the plan is made once more: that
    plan must be empty, and whatever it still changes is real.
    """
    code, shown, text = _plan(toolchain, workdir, "second-plan", terraform)
    if code == 0:
        return []
    pins, real = plan_changes(shown, code)
    if real:
        raise HarnessError("the second plan is not empty:\n  " + "\n  ".join(real) + "\n\n" + text[-8000:])
    pinned: dict[str, Any] = {}
    for (kind, name), arguments in pins.items():
        pinned.setdefault(kind, {})[name] = arguments
    (workdir / GAP_OVERRIDE_FILE).write_text(json.dumps({"resource": pinned}, indent=2), encoding="utf-8")
    try:
        code, shown, text = _plan(toolchain, workdir, "second-plan-gaps-pinned", terraform)
    finally:
        (workdir / GAP_OVERRIDE_FILE).unlink()
    if code != 0:
        _, real = plan_changes(shown, code, gaps=False)
        raise HarnessError(
            "the second plan is not empty beside the emulator gaps (pinned to the emulator's values):"
            "\n  " + "\n  ".join(real) + "\n\n" + text[-8000:]
        )
    return [f"{kind}.{name}: {', '.join(sorted(arguments))}" for (kind, name), arguments in pins.items()]


def _plan(toolchain: Toolchain, workdir: Path, name: str, terraform) -> tuple[int, dict[str, Any], str]:
    """``terraform plan -detailed-exitcode``: its exit code, its JSON when it changes something, its text."""
    result = terraform(
        toolchain, workdir, "plan", "-detailed-exitcode", "-input=false", f"-out={name}.tfplan", ok=(0, 2)
    )
    (workdir / f"{name}.txt").write_text(result.stdout, encoding="utf-8")
    if result.returncode == 0:
        return 0, {}, result.stdout
    return (
        result.returncode,
        json.loads(terraform(toolchain, workdir, "show", "-json", f"{name}.tfplan").stdout),
        result.stdout,
    )


def plan_changes(
    shown: dict[str, Any], exit_code: int, *, gaps: bool = True
) -> tuple[dict[tuple[str, str], dict[str, Any]], list[str]]:
    """What a plan (``terraform show -json``) changes: the emulator gaps to pin, (type, name) -> {argument:
    the emulator's value}, and the real changes, one line each. With ``gaps`` False, a gap is a real change.

    Judged here: what a replacement names as its causes, what an update changes, every import, and, when no
    gap is to be pinned, every output. A plan that exited 2 and shows none of these is a real change too.
    """
    pins: dict[tuple[str, str], dict[str, Any]] = {}
    real: list[str] = []
    for change in shown.get("resource_changes", []):
        c, address = change["change"], change["address"]
        actions = c["actions"]
        if change["mode"] != "managed":
            continue
        if "importing" in c:  # even a no-op import: after an apply, every import block is already in state
            real.append(f"{address} (import of {c['importing'].get('id')!r}, {'/'.join(actions)})")
            continue
        if actions == ["no-op"]:
            continue
        before, after = c.get("before") or {}, c.get("after") or {}
        gap = {
            a: before[a]
            for t, a in _GAP_ARGUMENTS
            if gaps
            and t == change["type"]
            and a in before
            and before[a] != after.get(a)
            and "index" not in change
            and "module_address" not in change
        }
        if set(actions) == {"delete", "create"}:
            # Only the causes can be judged: the replacement shows every argument as configured, not as stored.
            named = {p[0] for p in c.get("replace_paths") or []}
            unexplained = named - set(gap) if named else {"no cause named"}
        elif actions == ["update"]:
            unexplained = changed_attributes(c) - set(gap) or (set() if gap else {"no attribute named"})
        else:
            unexplained = {"the resource itself"}
        if unexplained:
            real.append(f"{address} ({'/'.join(actions)}): {', '.join(sorted(unexplained))}")
        else:
            pins[(change["type"], change["name"])] = gap
    if not pins:  # with a gap replaced, its outputs change too; the plan with the gaps pinned judges them
        real += [
            f"output {name} ({'/'.join(oc['actions'])})"
            for name, oc in sorted(shown.get("output_changes", {}).items())
            if oc["actions"] != ["no-op"]
        ]
    if exit_code == 2 and not pins and not real:
        real.append("terraform plan exited 2 (changes present), but its JSON names no change the harness recognises")
    return pins, real


def plan_with_planted_change(applied: Applied, toolchain: Toolchain, address: str, argument: str, value: Any) -> str:
    """Set one argument in the applied copy's configuration and plan: the HarnessError it must raise, as text."""
    kind, _, name = address.partition(".")
    path = applied.workdir / "cdk.tf.json"
    original = path.read_text(encoding="utf-8")
    stack = json.loads(original)
    stack["resource"][kind][name][argument] = value
    path.write_text(json.dumps(stack, indent=2), encoding="utf-8")
    try:
        second_plan(toolchain, applied.workdir)
    except HarnessError as exc:
        return str(exc)
    finally:
        path.write_text(original, encoding="utf-8")
    raise HarnessError(f"the planted change {address}.{argument} = {value!r} passed the second plan")


def changed_attributes(change: dict[str, Any]) -> set[str]:
    """Top-level attributes whose planned value differs from the state (unknown values are computed)."""
    before, after, unknown = change.get("before") or {}, change.get("after") or {}, change.get("after_unknown") or {}
    return {k for k in set(before) | set(after) if not unknown.get(k) and before.get(k) != after.get(k)}


# --- read-back -----------------------------------------------------------------------------


def contains(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where ``actual`` lacks or differs from ``expected`` (dicts may hold more members)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path or '.'}: expected an object, got {actual!r}"]
        problems = []
        for key, value in expected.items():
            sub = f"{path}.{key}" if path else key
            if key not in actual:
                problems.append(f"{sub}: missing (expected {value!r})")
            else:
                problems += contains(value, actual[key], sub)
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        if re.sub(r"\[\d+\]", "", path) in UNORDERED_MEMBERS:
            unmatched = list(actual)
            for i, item in enumerate(expected):
                match = next((a for a in unmatched if not contains(item, a)), None)
                if match is None:
                    return [f"{path}[{i}]: no item matches {item!r} in {actual!r}"]
                unmatched.remove(match)
            return []
        return [p for i, (e, a) in enumerate(zip(expected, actual)) for p in contains(e, a, f"{path}[{i}]")]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def normalized_policy(document: Any) -> dict[str, list[dict[str, Any]]]:
    """A policy document by Sid, with every list sorted: IAM keeps no order and may unwrap singletons. Each Sid
    holds a sorted list of its statements, so two statements under one Sid never collapse into one."""
    if isinstance(document, str):
        document = json.loads(document)
    statements: dict[str, list[dict[str, Any]]] = {}
    for statement in document["Statement"]:
        s = dict(statement)
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            if key in s:
                s[key] = sorted(_as_list(s[key]))
        if "Principal" in s:
            s["Principal"] = {k: sorted(_as_list(v)) for k, v in s["Principal"].items()}
        if "Condition" in s:
            s["Condition"] = {
                test: {var: sorted(_as_list(vals)) for var, vals in block.items()}
                for test, block in s["Condition"].items()
            }
        statements.setdefault(s.pop("Sid", ""), []).append(s)
    return {sid: sorted(found, key=lambda s: json.dumps(s, sort_keys=True)) for sid, found in statements.items()}


def expected_policy(statements: tuple[Statement, ...], moto: MotoServer) -> dict[str, Any]:
    """The plan's statements with each secret pattern replaced by the one ARN in the account it matches."""
    sm = moto.client("secretsmanager")
    document = policy_document(statements)
    for statement, source in zip(document["Statement"], statements):
        resolved = []
        for resource in source.resources:
            if resource.ref and resource.ref.startswith("secret:"):
                arn = sm.describe_secret(SecretId=resource.ref.partition(":")[2])["ARN"]
                if not fnmatch.fnmatchcase(arn, resource.arn):
                    raise HarnessError(f"{statement['Sid']}: secret ARN {arn} does not match the plan's {resource.arn}")
                resolved.append(arn)
            else:
                resolved.append(resource.arn)
        if source.resources:
            statement["Resource"] = list(dict.fromkeys(resolved))
    return normalized_policy(document)


def read_back(applied: Applied, plan: Plan, moto: MotoServer) -> list[str]:
    """Every way the emulated account differs from what the plan and the rendered file say."""
    problems = output_problems(applied.stack, applied.outputs, plan)
    ecs, logs = moto.client("ecs"), moto.client("logs")

    rendered = json.loads((applied.workdir / RENDERED_TASK_DEFINITION_FILE).read_text(encoding="utf-8"))
    described = ecs.describe_task_definition(
        taskDefinition=applied.outputs.get("task_definition_arn", rendered["family"]), include=["TAGS"]
    )
    registered = dict(described["taskDefinition"])
    for member in NOT_SENT:  # empty, so nothing is lost: the rules refuse them otherwise
        if not rendered.get(member, True):
            rendered.pop(member)
    for gap in EMULATOR_GAPS:
        if gap.member in rendered and gap.member not in registered:
            rendered.pop(gap.member)
            if gap.member not in applied.read_back_gaps:
                applied.read_back_gaps.append(gap.member)
    expected_tags = {t["key"]: t.get("value", "") for t in rendered.pop("tags", [])}
    actual_tags = {t["key"]: t.get("value", "") for t in described.get("tags", [])}
    problems += [f"task definition: {p}" for p in contains(rendered, registered)]
    problems += [
        f"task definition: tags.{k}: expected {v!r}, got {actual_tags.get(k)!r}"
        for k, v in expected_tags.items()
        if actual_tags.get(k) != v
    ]

    problems += role_problems(plan, moto, json.loads(applied.state_text))
    problems += deployer_problems(applied.outputs, plan, moto)

    retention = plan.settings.log_group_retention_in_days
    for group in plan.log_groups:
        found = [
            g
            for g in logs.describe_log_groups(logGroupNamePrefix=group.name)["logGroups"]
            if g["logGroupName"] == group.name
        ]
        if not found:
            problems.append(f"log group {group.name}: missing")
        elif found[0].get("retentionInDays") != (retention or None):
            problems.append(
                f"log group {group.name}: retention {found[0].get('retentionInDays')}, expected {retention}"
            )

    for name, value in applied.seeded_secrets.items():
        if value in applied.state_text:
            problems.append(f"secret {name}: its value is in the Terraform state")
    return problems


def output_problems(stack: dict[str, Any], outputs: dict[str, Any], plan: Plan) -> list[str]:
    """Each output of the stack: the plan's value where the plan knows it (log groups, role ARNs), else set.
    Null or empty ("", [] or {}) is not set: an empty list is right only where the plan expects one."""
    expected: dict[str, Any] = {"log_group_names": sorted(g.name for g in plan.log_groups)}
    expected.update({f"{key}_arn": role.arn for role in plan.roles for key in role.keys})
    problems = []
    for name in stack.get("output", {}):
        value = outputs.get(name)
        if name in expected:
            actual = sorted(value) if name == "log_group_names" and isinstance(value, list) else value
            if actual != expected[name]:
                problems.append(f"output {name}: {value!r}, expected {expected[name]!r}")
        elif value in (None, "", [], {}):
            problems.append(f"output {name}: not set")
    return problems


def role_problems(plan: Plan, moto: MotoServer, state: dict[str, Any]) -> list[str]:
    """Each role's trust (when the stack manages it) and inline policy as planned; a pass_only role gets nothing."""
    problems: list[str] = []
    iam = moto.client("iam")
    for role in plan.roles:
        if plan.settings.roles.mode != "external":
            trust = iam.get_role(RoleName=role.name)["Role"]["AssumeRolePolicyDocument"]
            if normalized_policy(trust) != normalized_policy(policy_document((role.trust,))):
                problems.append(f"role {role.name}: trust policy {trust} differs from the plan's")
        if not role.attach_policies:
            problems += [f"role {role.name} is pass_only, but {what}" for what in attached_to(role.name, state)]
            if role.policy_name in iam.list_role_policies(RoleName=role.name)["PolicyNames"]:
                problems.append(
                    f"role {role.name} is pass_only, but holds the stack's inline policy {role.policy_name}"
                )
            continue
        if not role.statements:
            continue
        try:
            actual = iam.get_role_policy(RoleName=role.name, PolicyName=role.policy_name)["PolicyDocument"]
        except iam.exceptions.NoSuchEntityException:
            problems.append(f"role {role.name}: inline policy {role.policy_name} is missing")
            continue
        if normalized_policy(actual) != expected_policy(role.statements, moto):
            problems.append(
                f"role {role.name}: inline policy {role.policy_name} differs from the plan:\n"
                f"  actual:   {normalized_policy(actual)}\n  expected: {expected_policy(role.statements, moto)}"
            )
        if role.overflow_statements:
            problems += overflow_problems(role, moto)
    return problems


def overflow_problems(role, moto: MotoServer) -> list[str]:
    """What the role's inline policy cannot hold (taskdef/model/quotas.py): a managed policy attached to the role."""
    iam = moto.client("iam")
    attached = {
        p["PolicyName"]: p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role.name)["AttachedPolicies"]
    }
    arn = attached.get(role.overflow_policy_name)
    if arn is None:
        return [f"role {role.name}: overflow policy {role.overflow_policy_name} is not attached"]
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    actual = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    if normalized_policy(actual) != expected_policy(role.overflow_statements, moto):
        return [
            f"role {role.name}: overflow policy {role.overflow_policy_name} differs from the plan:\n"
            f"  actual:   {normalized_policy(actual)}\n  expected: {expected_policy(role.overflow_statements, moto)}"
        ]
    return []


def attached_to(role_name: str, state: dict[str, Any]) -> list[str]:
    """The state's resources that attach a policy to the role (their ``role`` argument names it)."""
    return [
        f"the state's {r['type']}.{r['name']} attaches to it"
        for r in state.get("resources", [])
        if r.get("mode") == "managed"
        and r["type"].startswith("aws_iam_role_polic")
        and any(i.get("attributes", {}).get("role") == role_name for i in r.get("instances", []))
    ]


def deployer_problems(outputs: dict[str, Any], plan: Plan, moto: MotoServer) -> list[str]:
    """The deployer policy, found through its output, as planned, and attached when the settings say so."""
    deployer_arn = outputs.get("deployer_policy_arn")
    if not deployer_arn:
        return ["output deployer_policy_arn: not set, so the deployer policy cannot be read back"]
    iam = moto.client("iam")
    problems = []
    version = iam.get_policy(PolicyArn=deployer_arn)["Policy"]["DefaultVersionId"]
    actual = iam.get_policy_version(PolicyArn=deployer_arn, VersionId=version)["PolicyVersion"]["Document"]
    if normalized_policy(actual) != expected_policy(plan.deployer.statements, moto):
        problems.append(
            f"deployer policy differs from the plan:\n  actual:   {normalized_policy(actual)}\n"
            f"  expected: {expected_policy(plan.deployer.statements, moto)}"
        )
    if plan.deployer.attach:
        deployer = plan.deployer
        attached = (
            iam.list_attached_role_policies(RoleName=deployer.name)
            if deployer.kind == "role"
            else iam.list_attached_user_policies(UserName=deployer.name)
        )["AttachedPolicies"]
        if deployer_arn not in [p["PolicyArn"] for p in attached]:
            problems.append(f"deployer policy is not attached to {deployer.kind} {deployer.name}")
    return problems
