"""Property: any mutation of a valid task definition ends in a valid plan or a clean InputError.

Mutations drop keys, change types, inject unknown keys and truncate the text; all
in-process. Inputs that plan are also synthesized into a stack and rendered.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskdef.input.environments import load_settings
from taskdef.model.pipeline import plan_from_text
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
