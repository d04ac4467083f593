"""Shared fixtures. The provider bindings load once per session (seconds); every
stack below is synthesized in-process from a plan, and the real main job runs
once, in a subprocess, into a temporary output directory."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import inspect
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

# A suite started as a background job of a non-interactive shell (`pytest &` in a script) inherits SIGINT
# ignored, and every process it starts would too: the stand-in providers of tests/test_harness.py could then not
# be interrupted through their lifeline. A handler of Python's own is reset to the default in each child.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

from taskdef.input.environments import load_settings
from taskdef.input.settings import ROOT, Settings, parse_settings  # noqa: E402
from taskdef.model.pipeline import plan_from_text  # noqa: E402
from taskdef.model.plan import Plan  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEFAULT_FILE = ROOT / "ecs-task-definition.json"


def default_task_definition() -> dict[str, Any]:
    return json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))


def default_settings(**changes: Any) -> Settings:
    return dataclasses.replace(load_settings("prod", environ={}), **changes)


# prod's settings with the deployer as an IAM role (CI through OIDC), kept out of environments/ so that
# IG_ENV=all does not synthesize it; parsed like a settings file, so the JSON path is exercised too.
ROLE_DEPLOYER_SETTINGS = FIXTURES / "environments" / "role-deployer.json"


def role_deployer_settings(**changes: Any) -> Settings:
    source = ROLE_DEPLOYER_SETTINGS.relative_to(ROOT).as_posix()
    settings = parse_settings(json.loads(ROLE_DEPLOYER_SETTINGS.read_text(encoding="utf-8")), source=source)
    return dataclasses.replace(settings, **changes)


# role-deployer's settings with deployer.run: the deployer also deploys to a service and runs one-off tasks.
DEPLOYER_RUN_SETTINGS = FIXTURES / "environments" / "deployer-run.json"


def deployer_run_settings(**run_changes: Any) -> Settings:
    source = DEPLOYER_RUN_SETTINGS.relative_to(ROOT).as_posix()
    settings = parse_settings(json.loads(DEPLOYER_RUN_SETTINGS.read_text(encoding="utf-8")), source=source)
    run = dataclasses.replace(settings.deployer.run, **run_changes)
    return dataclasses.replace(settings, deployer=dataclasses.replace(settings.deployer, run=run))


def plan_for(data: dict[str, Any] | None = None, settings: Settings | None = None) -> Plan:
    """Validate ``data`` like the main job does and build its plan (raises InputError)."""
    return plan_from_text(
        json.dumps(data if data is not None else default_task_definition()),
        settings=settings or default_settings(),
        source="test.json",
    )


@contextlib.contextmanager
def isolated_app() -> Iterator[Any]:
    """A cdktf ``Testing.app()`` in a temporary directory of its own, removed afterwards.

    Without an outdir, Testing.app() makes a ``cdktf.outdir.*`` directory in the system temp
    directory that nothing removes. ``Testing.synth`` writes nothing there, so removing it is safe.
    """
    from cdktf import Testing

    with tempfile.TemporaryDirectory(prefix="cdktf-test-app-") as outdir:
        yield Testing.app(outdir=outdir)


def synth_stack(plan: Plan, cloud=None):
    """(stack, synthesized JSON as dict) for one plan, synthesized in-process."""
    from cdktf import Testing

    from components.stack import IgNotificationStack

    with isolated_app() as app:
        stack = IgNotificationStack(app, plan.settings.stack_name, plan=plan, outdir=ROOT / "cdktf.out", cloud=cloud)
        return stack, json.loads(Testing.synth(stack))


@pytest.fixture(scope="session")
def default_plan() -> Plan:
    return plan_for()


@pytest.fixture(scope="session")
def default_stack(default_plan):
    return synth_stack(default_plan)


@pytest.fixture(scope="session")
def default_synth(default_stack) -> dict[str, Any]:
    return default_stack[1]


def main_environment(outdir: Path, **env: str) -> dict[str, str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("IG_ENV", "TASK_DEFINITION_FILE", "TF_WORKSPACE", "TF_CLOUD_ORGANIZATION")
    }
    environ.update(CDKTF_OUTDIR=str(outdir), **env)
    return environ


def run_main(outdir: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        env=main_environment(outdir, **env),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


class StartedMain:
    """``main.py`` started now, to run beside the in-process tests; ``result()`` waits for it. Its output goes
    to files beside the outdir, so that a full pipe never stalls it."""

    def __init__(self, outdir: Path, **env: str) -> None:
        self.outdir = outdir
        outdir.parent.mkdir(parents=True, exist_ok=True)
        self._out, self._err = outdir.parent / "main.stdout", outdir.parent / "main.stderr"
        with open(self._out, "wb") as out, open(self._err, "wb") as err:
            self._process = subprocess.Popen(
                [sys.executable, str(ROOT / "main.py")],
                env=main_environment(outdir, **env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                cwd=ROOT,
            )

    def result(self, timeout: float = 300) -> subprocess.CompletedProcess:
        try:
            self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(
                f"main.py ({self.outdir}) did not finish within {timeout:.0f} s:\n"
                f"{self._err.read_text(encoding='utf-8')[-4000:]}"
            ) from None
        return subprocess.CompletedProcess(
            self._process.args,
            self._process.returncode,
            self._out.read_text(encoding="utf-8"),
            self._err.read_text(encoding="utf-8"),
        )

    def stop(self) -> None:
        """At the session's end: a run no test waited for (a selection, -x) must not go on writing."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


# The session's two synthesizing main.py runs, started together when the session starts (see
# _start_background_work), so that they overlap the in-process tests instead of each holding one up.
# The same depth under one folder: the local backend's state path, relative to the outdir, is then the same.
@pytest.fixture(scope="session")
def main_job_run(tmp_path_factory) -> Iterator[StartedMain]:
    """The main job as scripts/main-job.sh and the PR workflow run it (IG_ENV=all)."""
    started = StartedMain(tmp_path_factory.mktemp("main-runs", numbered=False) / "all" / "cdktf.out", IG_ENV="all")
    yield started
    started.stop()


@pytest.fixture(scope="session")
def eager_import_run(main_job_run) -> Iterator[StartedMain]:
    """The same with the plain provider import (tests/test_fast_import.py compares the two)."""
    started = StartedMain(
        main_job_run.outdir.parents[1] / "eager" / "cdktf.out", IG_ENV="all", IG_EAGER_PROVIDER_IMPORT="1"
    )
    yield started
    started.stop()


@pytest.fixture(scope="session")
def all_environments_output(main_job_run) -> Path:
    """The main job's CDKTF_OUTDIR, once it has succeeded."""
    result = main_job_run.result()
    assert result.returncode == 0, result.stderr
    return main_job_run.outdir


@pytest.fixture(scope="session")
def main_stack_dir(all_environments_output) -> Path:
    # The prod stack of the main job's run above, which synthesizes every environment; an IG_ENV=prod
    # run of its own cost another main.py process (seconds of CPU).
    return all_environments_output / "stacks" / "ig-notification-prod"


def null_paths(value: Any, path: str = "") -> list[str]:
    """Where ``value`` holds a JSON null."""
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in null_paths(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in null_paths(v, f"{path}[{i}]")]
    return []


def mutate(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with one JSON path set (same syntax as error messages)."""
    from taskdef.input.overrides import apply_override

    out = copy.deepcopy(data)
    assert apply_override(out, path, value) is None, path
    return out


# --- the AWS emulator ---------------------------------------------------------------------

ACCOUNT_ID, REGION_NAME = "575084400422", "ap-northeast-2"


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    """The emulator of the tests that read an account in-process (verify, diff, image checks): one server for
    the session, which each test resets before it seeds it. The applies have servers of their own."""
    try:
        import moto.server  # noqa: F401
    except ImportError:
        missing("moto[server] is not installed (pipenv sync --dev)")
    from .emulator import MotoServer

    logs = tmp_path_factory.mktemp("verify-moto")
    with mock.patch.dict(
        os.environ, {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "MOTO_RECORDER_FILEPATH": str(logs / "recording.jsonl")}
    ):
        server = MotoServer(account_id=ACCOUNT_ID, region=REGION_NAME, log_dir=logs)
    server.recording = logs / "recording.jsonl"
    yield server
    server.stop()


# --- Terraform against the AWS emulator ---------------------------------------------------


def missing(what: str) -> None:
    """Skip where the tools are missing, but fail under CI=true: the CI machine has them all."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what}; CI=true requires the Terraform tests to run, so a skip is a failure", pytrace=False)
    pytest.skip(what)


def find_apply_toolchain():
    """The Toolchain, or the sentence that says what is missing (Terraform, the mirror, moto)."""
    from .harness import find_toolchain

    found = find_toolchain()
    if isinstance(found, str):
        return found
    try:
        import moto.server  # noqa: F401
    except ImportError:
        return "moto[server] is not installed (pipenv sync --dev)"
    return found


@pytest.fixture(scope="session")
def toolchain():
    found = find_apply_toolchain()
    if isinstance(found, str):
        missing(found)
    return found


VALID_FIXTURES = sorted(p.stem for p in (FIXTURES / "valid").glob("*.json"))


def fixture_plan(name: str) -> Plan:
    """A valid fixture under the prod settings, in a stack of its own name."""
    settings = dataclasses.replace(default_settings(), stack_name=f"fixture-{name}")
    return plan_for(json.loads((FIXTURES / "valid" / f"{name}.json").read_text(encoding="utf-8")), settings)


@pytest.fixture(scope="session")
def valid_fixture_stacks(tmp_path_factory) -> dict[str, tuple[Plan, Path]]:
    """Every valid fixture synthesized as the main job would, in one output directory: name -> (plan, stack dir)."""
    from components.app import synthesize

    plans = {name: fixture_plan(name) for name in VALID_FIXTURES}
    outdir = tmp_path_factory.mktemp("fixtures") / "cdktf.out"
    dirs = synthesize(plans.values(), outdir, outdir=outdir)
    return {name: (plan, dirs[plan.settings.stack_name]) for name, plan in plans.items()}


# How a test names an apply job it reads.
_APPLY_RESULT = re.compile(r"""apply_runs\.result\(\s*["']([^"']+)["']""")


def selected_apply_jobs(items) -> set[str] | None:
    """The apply jobs the selected tests read, so that `pytest -m apply -k prod` applies prod's alone: each test's
    ``name`` parameter and the jobs its body names; None (every job) when a test reads apply_runs otherwise."""
    names: set[str] = set()
    for item in items:
        if "apply_runs" not in getattr(item, "fixturenames", ()):
            continue
        params = getattr(getattr(item, "callspec", None), "params", {})
        found = set(_APPLY_RESULT.findall(inspect.getsource(item.function)))
        found |= {params["name"]} if "name" in params else set()
        if not found:
            return None
        names |= found
    return names


@pytest.fixture(scope="session")
def apply_runs(request, toolchain, tmp_path_factory, valid_fixture_stacks, all_environments_output):
    from .apply_jobs import schedule
    from .apply_runs import ApplyRuns

    settings = default_settings()
    workdir = tmp_path_factory.mktemp("apply")
    runs = ApplyRuns(toolchain=toolchain, account_id=settings.account_id, region=settings.region, workdir=workdir)
    try:
        only = selected_apply_jobs(request.session.items)
        schedule(runs, toolchain, workdir, valid_fixture_stacks, all_environments_output, only=only)
        yield runs
    finally:
        runs.close()


def pytest_collection_modifyitems(config, items):
    # The applies run in the background from the first test on; their tests go last, so
    # everything else runs meanwhile instead of waiting for them.
    items.sort(key=lambda item: item.get_closest_marker("apply") is not None)


@pytest.fixture(scope="session", autouse=True)
def _served_engine() -> Iterator[None]:
    """Every in-process evaluation of the session in one engine process (taskdef/proof/engine.py serving()):
    the same script and package, started once instead of a few hundred times. tests/test_engine.py runs
    both ways on the same batch; every main.py the suite starts runs the engine in a process of its own."""
    from taskdef.proof import engine

    with engine.serving():
        yield


@pytest.fixture(scope="session", autouse=True)
def _start_background_work(request):
    """What runs beside the in-process tests, started first: the main.py runs that some selected test needs,
    then the applies."""
    for name in ("main_job_run", "eager_import_run"):
        if any(name in item.fixturenames for item in request.session.items):
            request.getfixturevalue(name)
    if any(item.get_closest_marker("apply") for item in request.session.items) and not isinstance(
        find_apply_toolchain(), str
    ):
        request.getfixturevalue("apply_runs")
