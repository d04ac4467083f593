#!/usr/bin/env python3
"""Synth cost against a plain provider import, measured in one run on one machine.

Prints the median wall time and the peak resident memory (the sum over the
process tree: Python and the jsii Node.js process) of
  A: python -c "import cdktf_cdktf_provider_aws"
  B: python main.py   (synthesizes the default stack)
and the ratio B/A. Optionally times the Checkov scan of B's output, the
authorization proof over every stack (--authz), one `main.py verify` against a
moto server (--verify), `main.py explain` on the write-up's message and on a
10 MB log (--explain), and the README's test command (the whole suite, applies
against the emulator included).

    pipenv run python bench/benchmark.py [--runs 5] [--checkov] [--authz] [--verify] [--explain] [--suite]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
            with open(f"/proc/{p}/task/{p}/children") as f:
                stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kib(proc.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{stderr.decode()}")
    return elapsed, peak


def compare(cases: dict[str, list[str]], env: dict[str, str], runs: int) -> None:
    """The synth against the plain provider import, ``runs`` times each, interleaved."""
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in cases}
    for i in range(runs):  # interleaved, so drift on the machine hits both alike
        for name, cmd in cases.items():
            results[name].append(measure(cmd, env))
            print(
                f"run {i + 1}/{runs} {name}: {results[name][-1][0]:.2f} s, {results[name][-1][1] / 1024:.0f} MiB",
                file=sys.stderr,
            )
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, runs: {runs}")
    medians = {}
    for name, samples in results.items():
        medians[name] = statistics.median(t for t, _ in samples)
        peak = max(m for _, m in samples)
        print(f"{name:34s} median {medians[name]:6.2f} s   peak RSS {peak / 1024:7.0f} MiB")
    a, b = (statistics.median(t for t, _ in results[n]) for n in cases)
    pa, pb = (max(m for _, m in results[n]) for n in cases)
    print(f"ratio main.py / import: {b / a:.3f} (bar: <= 0.3); peak memory ratio: {pb / pa:.3f} (bar: <= 1.0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="synth/import runs each (0: skip that comparison)")
    parser.add_argument("--checkov", action="store_true", help="also time one Checkov scan of the synthesized stack")
    parser.add_argument(
        "--authz",
        action="store_true",
        help="also time the authorization proof of every stack, removals included (bar: 20 s)",
    )
    parser.add_argument("--verify", action="store_true", help="also time one `main.py verify` against moto (bar: 10 s)")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also time `main.py explain` on one message and on 10 MB logs (bar: 2 s)",
    )
    parser.add_argument("--suite", action="store_true", help="also time one run of the whole test suite (bar: 300 s)")
    args = parser.parse_args()
    outdir = Path(tempfile.mkdtemp(prefix="bench-"))
    env = dict(os.environ, CDKTF_OUTDIR=str(outdir / "cdktf.out"), JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    env.pop("IG_EAGER_PROVIDER_IMPORT", None)
    cases = {
        "import cdktf_cdktf_provider_aws": [sys.executable, "-c", "import cdktf_cdktf_provider_aws"],
        "python main.py": [sys.executable, str(ROOT / "main.py")],
    }
    if args.runs > 0:
        compare(cases, env, args.runs)
    if args.checkov:
        checkov = str(ROOT / ".venv-scanner" / "bin" / "checkov")  # the scanner's own environment (scripts/install.sh)
        start = time.perf_counter()
        scan = subprocess.run(
            [
                checkov,
                "--config-file",
                str(ROOT / ".checkov.yaml"),
                "-d",
                str(outdir / "cdktf.out"),
                "--quiet",
                "--compact",
            ],
            cwd=ROOT,
            env=dict(env, BC_SKIP_MAPPING="TRUE"),
            capture_output=True,
            text=True,
        )
        print(f"checkov scan: {time.perf_counter() - start:.2f} s (exit {scan.returncode})")
    if args.authz:
        authz()
    if args.verify:
        verify(outdir)
    if args.explain:
        explain(env)
    if args.suite:
        suite()
    shutil.rmtree(outdir, ignore_errors=True)


def authz() -> None:
    """The proof's whole matrix (tests/test_authz.py), as the suite evaluates it: plans, requests, removals."""
    sys.path.insert(0, str(ROOT))
    from taskdef.proof.authz import plan_proof_inputs, prove_many
    from tests.test_authz import MATRIX

    start = time.perf_counter()
    proofs = prove_many([plan_proof_inputs(build()) for build in MATRIX.values()], with_removals=True)
    elapsed = time.perf_counter() - start
    print(
        f"authorization proof: {len(proofs)} stacks, {sum(len(p.outcomes) for p in proofs)} requests and near "
        f"misses, {sum(p.removals for p in proofs)} single-element removals in {elapsed:.2f} s (bar: < 20 s)"
    )


def verify(outdir: Path) -> None:
    """One `python main.py verify` process against a moto server seeded as the write-up's account."""
    sys.path.insert(0, str(ROOT))
    from unittest import mock

    from tests.apply_jobs import verify_account
    from tests.emulator import MotoServer
    from tests.test_verify import ACCOUNT, REGION, seed_write_up_account

    with mock.patch.dict(os.environ, {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}):
        server = MotoServer(account_id=ACCOUNT, region=REGION, log_dir=outdir)
    try:
        seed_write_up_account(server)
        start = time.perf_counter()
        result = verify_account(server, "prod")  # `main.py verify --json`, as the apply harness runs it
        elapsed = time.perf_counter() - start
    finally:
        server.stop()
    print(f"verify against moto: {elapsed:.2f} s, exit {result.returncode} (bar: < 10 s)")


def explain(env: dict[str, str], runs: int = 5) -> None:
    """`python main.py explain` as a user runs it, the engine included: one message, a 10 MB CI log with one
    error at its end, and a 10 MB log repeating one error."""
    sys.path.insert(0, str(ROOT))
    from tests.test_explain import WRITE_UP

    log = ("2026-12-01T10:00:00Z INFO step ok\n" * 330_000) + WRITE_UP + "\n"
    # The log of a task that fails at every start: one error, thousands of times (one finding, with its count).
    repeated = ("2026-12-01T10:00:01Z ERROR " + WRITE_UP + "\n") * 30_000
    cases = (
        ("one message", WRITE_UP),
        (f"a {len(log) / 1e6:.0f} MB log", log),
        (f"a {len(repeated) / 1e6:.0f} MB log repeating one error", repeated),
    )
    for name, text in cases:
        times, cpu = [], []
        for _ in range(runs):
            before = os.times()
            start = time.perf_counter()
            result = subprocess.run(
                [sys.executable, str(ROOT / "main.py"), "explain"],
                input=text,
                text=True,
                cwd=ROOT,
                env=dict(env, IG_ENV="prod"),
                capture_output=True,
            )
            times.append(time.perf_counter() - start)
            after = os.times()  # the process's own CPU time (the engine's included): what load on the machine spares
            cpu.append(after.children_user - before.children_user + after.children_system - before.children_system)
            if result.returncode != 0:
                sys.exit(f"explain failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
        print(
            f"explain, {name}: median {statistics.median(times):.2f} s, max {max(times):.2f} s over {runs} runs, "
            f"CPU median {statistics.median(cpu):.2f} s (bar: 2 s)"
        )


def _suite_once(env: dict[str, str]) -> tuple[float, float, str, subprocess.CompletedProcess]:
    before = os.times()
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "(no output)"
    return elapsed, cpu, summary, result


def suite() -> None:
    """The README's test command twice, with the applies: on an idle machine, then beside a second CPU-bound
    job (one busy process, as a second CI job or an editor's indexer is); wall time and CPU time of each."""
    env = {k: v for k, v in os.environ.items() if k not in ("IG_ENV", "TASK_DEFINITION_FILE", "CDKTF_OUTDIR")}
    for label, bar in (("idle", 150), ("beside a CPU-bound job", 300)):
        busy = None
        if label != "idle":
            busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            elapsed, cpu, summary, result = _suite_once(env)
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()
        print(
            f"test suite, {label}: {elapsed:.1f} s wall, {cpu:.0f} s CPU on {os.cpu_count()} cores "
            f"(bar: < {bar} s); {summary}"
        )
        if result.returncode:
            sys.exit(f"the test suite failed:\n{result.stdout[-4000:]}")


if __name__ == "__main__":
    main()
