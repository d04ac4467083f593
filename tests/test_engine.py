"""taskdef/proof/engine.py: a batch in a process of its own, and batches served by one process, agree."""

from __future__ import annotations

import threading

import pytest

from taskdef.proof import engine
from taskdef.proof.engine import EngineError, EngineRun, EngineServer

from .test_authz_calibration import CASES, _simulation

pytestmark = pytest.mark.authz


def batch(cases=CASES, expect=None):
    return [{"simulations": [_simulation(*c[1:6]) for c in cases], "expect": expect}]


def one_shot(jobs):
    """EngineRun outside serving(): a node process for this batch alone."""
    saved = engine._served[:]
    engine._served.clear()
    try:
        run = EngineRun(jobs)
        assert run._server is None
        return run.result()
    finally:
        engine._served[:] = saved


def test_a_served_batch_equals_the_same_batch_in_a_process_of_its_own():
    expect = [c[-1] for c in CASES]
    expect[3] = not expect[3]  # the job stops at its first mismatch, served or not
    jobs = batch() + batch(expect=expect)
    with engine.serving() as server:
        run = EngineRun(jobs)
        assert run._server is server
        served = run.result()
    assert served == one_shot(jobs)
    assert served[1][1]["mismatch"] == 3 and len(served[1][1]["results"]) == 4
    assert [r["decision"] == "Allowed" for r in served[1][0]["results"]] == [c[-1] for c in CASES]


def test_batches_from_several_threads_each_get_their_own_results():
    server = EngineServer()
    try:
        cases = [c for c in CASES if c[-1]][:3] + [c for c in CASES if not c[-1]][:3]
        out: dict[int, list[bool]] = {}

        def evaluate(i: int) -> None:
            n = server.submit(batch([cases[i]]))
            out[i] = [r["decision"] == "Allowed" for r in server.wait(n)[1][0]["results"]]

        threads = [threading.Thread(target=evaluate, args=(i,)) for i in range(len(cases))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert out == {i: [c[-1]] for i, c in enumerate(cases)}
    finally:
        server.close()


def test_a_batch_the_engine_cannot_read_fails_alone_and_the_next_is_served():
    server = EngineServer()
    try:
        bad = server.submit([{"simulations": None, "expect": None}])
        good = server.submit(batch(CASES[:1]))
        with pytest.raises(EngineError, match="the IAM policy engine failed on a batch: "):
            server.wait(bad)
        assert server.wait(good)[1][0]["results"][0]["decision"] in ("Allowed", "ImplicitlyDenied", "ExplicitlyDenied")
    finally:
        server.close()


def test_an_engine_process_that_ends_is_an_error_with_its_last_words():
    server = EngineServer()
    try:
        server._process.kill()
        server._process.wait()
        with pytest.raises(EngineError, match=r"the IAM policy engine failed \(exit -9\)"):
            server.wait(server.submit(batch(CASES[:1])))
    finally:
        server.close()


def test_serving_ends_its_process_and_leaves_no_files():
    with engine.serving() as server:
        EngineRun(batch(CASES[:2])).result()
        folder = server._dir
    assert server._process.poll() == 0
    assert not folder.exists()
