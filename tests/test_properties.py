"""Property: any mutation of a valid task definition ends in a valid plan or a clean InputError.

Mutations drop keys, change types, inject unknown keys and truncate the text; all
in-process. Inputs that plan are also synthesized into a stack and rendered.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskdef.input import environments
from taskdef.input.environments import load_settings
from taskdef.input.files import MAX_INPUT_BYTES
from taskdef.input.settings import ROOT
from taskdef.model.pipeline import Job, JobError, plan_from_text, prepare
from taskdef.model.plan import Plan
from taskdef.model.terraform import task_definition_arguments
from taskdef.text.errors import InputError

from .conftest import FIXTURES, default_task_definition

BASES = [default_task_definition()] + [
    json.loads(p.read_text(encoding="utf-8")) for p in sorted((FIXTURES / "valid").glob("*.json"))
]
SETTINGS = [load_settings(name, environ={}) for name in ("prod", "dev")]
SOURCE = "fuzz.json"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(
        ["", "1 vCPU", "2 GB", "awsvpc", "FARGATE", "true", "/x", "arn:aws:iam::575084400422:role/x", "nginx:latest"]
    ),
)
# Strings that other fields of a task definition hold, so a swap can make a consistent-looking mistake.
SAME_TYPE_STRINGS = [
    "",
    " ",
    "ig-notification",
    "sidecar",
    "tmp",
    "awslogs",
    "START",
    "SUCCESS",
    "HEALTHY",
    "COMPLETE",
    "EC2",
    "bridge",
    "host",
    "0",
    "0.5 vCPU",
    "aws:x",
    "/ecs/x",
    "latest",
    "arn:aws:secretsmanager:ap-northeast-2:575084400422:secret:",
    "WINDOWS_SERVER_2019_FULL",
]
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=6,
)


def slots(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) in the document, the root excluded."""
    out, stack = [], [node]
    while stack:
        current = stack.pop()
        items = (
            current.items() if isinstance(current, dict) else enumerate(current) if isinstance(current, list) else ()
        )
        for key, value in items:
            out.append((current, key))
            stack.append(value)
    return out


def objects(node: Any) -> list[dict]:
    return [node] + [c[k] for c, k in slots(node) if isinstance(c[k], dict)]


@st.composite
def mutated_documents(draw) -> str:
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["drop", "retype", "revalue", "inject"]))
        if kind == "drop":
            keyed = [(c, k) for c, k in slots(doc) if isinstance(c, dict)]
            if keyed:
                container, key = draw(st.sampled_from(keyed))
                del container[key]
        elif kind == "retype":
            all_slots = slots(doc)
            if all_slots:
                container, key = draw(st.sampled_from(all_slots))
                container[key] = draw(json_values)
        elif kind == "revalue":  # same type, other value: reaches the service rules, not just the shape
            leaves = [(c, k) for c, k in slots(doc) if isinstance(c[k], (bool, int, str))]
            if leaves:
                container, key = draw(st.sampled_from(leaves))
                old = container[key]
                container[key] = draw(
                    st.booleans()
                    if isinstance(old, bool)
                    else st.integers(-5, 200_000)
                    if isinstance(old, int)
                    else st.sampled_from(SAME_TYPE_STRINGS) | st.text(max_size=8)
                )
        else:
            target = draw(st.sampled_from(objects(doc)))
            near_miss = [k[:-1] for k in target if len(k) > 1] + [k + "s" for k in target] + [k.lower() for k in target]
            key = draw(st.sampled_from(near_miss) if near_miss and draw(st.booleans()) else st.text(max_size=12))
            target[key] = draw(json_values)
    text = json.dumps(doc, indent=draw(st.sampled_from([None, 2])))
    if draw(st.integers(0, 4)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return text


def plan_or_input_error(text: str, s) -> Plan | InputError:
    """What the main job does before synth, plus the Terraform arguments a plan turns into."""
    try:
        plan = plan_from_text(text, settings=s, source=SOURCE)
    except InputError as exc:
        return exc
    task_definition_arguments(plan.task_definition, role_arn=lambda arn: arn, log_group_name=lambda name: name)
    return plan


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=mutated_documents(), s=st.sampled_from(SETTINGS))
def test_mutations_end_in_a_plan_or_a_clean_input_error(text, s):
    result = plan_or_input_error(text, s)
    if isinstance(result, InputError):
        lines = result.lines()
        assert lines
        for line in lines:
            assert "\n" not in line and "\r" not in line
            assert line.startswith((f"{SOURCE}: ", f"{s.source}: "))
    else:
        assert isinstance(result, Plan)
        for warning in result.warnings:
            assert "\n" not in warning


def test_the_unmutated_bases_all_plan():
    for base in BASES:
        assert isinstance(plan_or_input_error(json.dumps(base), SETTINGS[0]), Plan)


# Members whose removal always makes the input invalid; dropping anything else often keeps it valid.
REQUIRED = {
    "family",
    "containerDefinitions",
    "name",
    "image",
    "logDriver",
    "valueFrom",
    "containerName",
    "condition",
    "sourceVolume",
    "containerPath",
    "value",
    "key",
    "type",
    "fileSystemId",
    "command",
}


@st.composite
def trimmed_documents(draw) -> str:
    """Valid bases with optional members dropped: most still plan, so the synth path gets exercised."""
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    optional = [(c, k) for c, k in slots(doc) if isinstance(c, dict) and k not in REQUIRED]
    for container, key in draw(
        st.lists(st.sampled_from(optional), max_size=4, unique_by=lambda ck: (id(ck[0]), ck[1]))
    ):
        container.pop(key, None)
    return json.dumps(doc)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=st.one_of(trimmed_documents(), mutated_documents()), s=st.sampled_from(SETTINGS))
def test_what_plans_also_synthesizes_and_renders(text, s):
    """Past validation, the constructs and the report must take whatever the plan holds."""
    from taskdef.output.stack_files import render

    from .conftest import synth_stack

    result = plan_or_input_error(text, s)
    if isinstance(result, InputError):
        return
    _, synth = synth_stack(result)
    assert synth["resource"]["aws_ecs_task_definition"]["task_definition"]["family"] == result.task_definition.family
    files = render(result, "en")
    assert json.loads(files["task-definition.rendered.json"])["family"] == result.task_definition.family


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(texts=st.lists(trimmed_documents(), min_size=12, max_size=12), s=st.sampled_from(SETTINGS))
def test_what_plans_passes_its_authorization_proof(texts, s):
    """Any input that plans gets policies that allow every request it makes, deny its near misses and
    hold nothing to spare. A batch of inputs per example, so the engine starts once per batch."""
    from taskdef.proof.authz import plan_proof_inputs, prove_many

    plans = [p for p in (plan_or_input_error(t, s) for t in texts) if isinstance(p, Plan)]
    for plan, proof in zip(plans, prove_many([plan_proof_inputs(p) for p in plans], with_removals=True)):
        assert proof.failures() == [], plan.task_definition.data


# --- bad JSON shapes, read from files as the main job reads them --------------------------------------------
# Types, depths and sizes no mutation above reaches: nesting past the bound and past Python's recursion limit,
# strings and lists past what any field holds, integers of thousands of digits, NaN, text that is not JSON, files
# past the size limit. Spliced into the task definition file or the settings file, and read by prepare(), as
# main.py reads them: every outcome is a Job or a JobError (exit 1) with one line per problem.

SLOT = "@@slot@@"
PROD_SETTINGS = json.loads((ROOT / "environments" / "prod.json").read_text(encoding="utf-8"))


def _deep(inner: str, depth: int, kind: str) -> str:
    opening, closing = {"list": ("[", "]"), "object": ('{"k":', "}"), "mixed": ('[{"k":', "}]")}[kind]
    return opening * depth + inner + closing * depth


json_fragments = st.one_of(
    json_values.map(json.dumps),
    st.builds(_deep, json_values.map(json.dumps), st.integers(1, 1_200), st.sampled_from(["list", "object", "mixed"])),
    st.integers(0, 70_000).map(lambda n: json.dumps("x" * n)),
    st.integers(0, 20_000).map(lambda n: "[" + ",".join(["0"] * n) + "]"),
    st.integers(0, 6_000).map(lambda n: "1" + "0" * n),  # past int()'s 4,300 digits
    st.sampled_from(["NaN", "-Infinity", "1e999", "-0", "0.5", '"\\ud800"', '"\\u0000"', "[", '{"a"', "", "}"]),
)


def _slots(doc: Any) -> list[tuple[Any, Any]]:
    return [(doc, None)] + slots(doc)


def splice(doc: Any, where: tuple[Any, Any], fragment: str) -> str:
    """``doc`` as JSON text with the value at ``where`` (None: the whole document) replaced by ``fragment``."""
    container, key = where
    if key is None:
        return fragment
    container[key] = SLOT
    return json.dumps(doc, indent=2).replace(json.dumps(SLOT), fragment, 1)


@st.composite
def task_definition_texts(draw) -> bytes:
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    text = splice(doc, draw(st.sampled_from(_slots(doc))), draw(json_fragments))
    padding = draw(st.sampled_from([0, 0, 0, MAX_INPUT_BYTES - len(text), MAX_INPUT_BYTES + 1 - len(text)]))
    return (text + " " * max(0, padding)).encode("utf-8", "surrogatepass")


@st.composite
def settings_texts(draw) -> bytes:
    doc = copy.deepcopy(PROD_SETTINGS)
    overrides = doc["task_definition_overrides"] = {
        "containerDefinitions[0].environment[name=AWS_REGION].value": "x",
        "family": "y",
    }
    # An override value is copied into the task definition and walked again there: half the draws go there.
    if draw(st.booleans()):
        where = (overrides, draw(st.sampled_from(list(overrides))))
    else:
        where = draw(st.sampled_from(_slots(doc)))
    return splice(doc, where, draw(json_fragments)).encode("utf-8", "surrogatepass")


def job_or_job_error(td: bytes, settings_text: bytes):
    """prepare() as main.py runs it, on one settings file and one task definition file."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "fuzz.json").write_bytes(settings_text)
        (root / "td.json").write_bytes(td)
        with mock.patch.object(environments, "ENVIRONMENTS_DIR", root), mock.patch.object(environments, "ROOT", root):
            try:
                return prepare({"IG_ENV": "fuzz", "TASK_DEFINITION_FILE": str(root / "td.json"), "LANG": "C.UTF-8"})
            except JobError as exc:
                return exc


def assert_clean(outcome) -> None:
    if isinstance(outcome, JobError):
        assert outcome.lines
        for line in outcome.lines:
            assert line and "\n" not in line and "\r" not in line and "Traceback" not in line
            assert line.startswith(("fuzz.json: ", f"{Path(tempfile.gettempdir())}"))
    else:
        assert isinstance(outcome, Job) and outcome.plans
        for plan in outcome.plans:
            task_definition_arguments(plan.task_definition, role_arn=lambda arn: arn, log_group_name=lambda name: name)


GOOD_TASK_DEFINITION = json.dumps(default_task_definition()).encode("utf-8")
GOOD_SETTINGS = json.dumps(PROD_SETTINGS).encode("utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(td=task_definition_texts())
def test_a_task_definition_file_of_any_shape_plans_or_is_a_clean_error(td):
    assert_clean(job_or_job_error(td, GOOD_SETTINGS))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(settings_text=settings_texts())
def test_a_settings_file_of_any_shape_plans_or_is_a_clean_error(settings_text):
    assert_clean(job_or_job_error(GOOD_TASK_DEFINITION, settings_text))


def test_the_shapes_reach_every_outcome():
    """The generators reach the bounds they are for: a shape past each one is refused, and the good files plan."""
    assert isinstance(job_or_job_error(GOOD_TASK_DEFINITION, GOOD_SETTINGS), Job)
    deep = splice(default_task_definition(), (None, None), _deep("1", 900, "list")).encode()
    big = GOOD_TASK_DEFINITION + b" " * MAX_INPUT_BYTES
    for td, expected in ((deep, "more than 32 levels deep"), (big, "bytes, over the 1024 KiB")):
        outcome = job_or_job_error(td, GOOD_SETTINGS)
        assert isinstance(outcome, JobError) and expected in outcome.lines[0]
    doc = copy.deepcopy(PROD_SETTINGS)
    outcome = job_or_job_error(GOOD_TASK_DEFINITION, splice(doc, (doc, "stack_name"), '"' + "a" * 300 + '"').encode())
    assert isinstance(outcome, JobError) and "stack_name: must be at most 226" in outcome.lines[0]
