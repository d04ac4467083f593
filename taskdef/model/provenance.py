"""Who registered a revision, bound to what it holds.

The product writes tags on every revision it registers (tag_limits.PROVENANCE_KEYS): the writer (``stack`` on
``cdktf deploy``, ``deploy`` in the deploy workflow), the digest of the normalized definition, and the commit and
workflow run where known. The console's "create new revision" copies a revision with its tags, so a tag alone
proves nothing: a revision is the writer's only while its content still has the digest the writer wrote. A copied
and edited revision, or one with no provenance at all, is ``outside``.

The digest leaves the tags out: ECS changes a revision's tags without a new revision (TagResource), the provider
adds settings ``default_tags`` to the stack's, and they change nothing a task runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from taskdef.input.tag_limits import DEPLOY_WRITER, PROVENANCE_KEYS, PROVENANCE_PREFIX, STACK_WRITER, value_problems
from taskdef.model.normalize import normalize
from taskdef.model.plan import Plan
from taskdef.model.rendered import render_task_definition

WRITER, DIGEST, COMMIT, RUN = PROVENANCE_KEYS
STACK, DEPLOY, OUTSIDE = STACK_WRITER, DEPLOY_WRITER, "outside"
WRITERS = (STACK, DEPLOY)


@dataclass(frozen=True)
class Provenance:
    """What a revision's provenance tags say; ``writer`` is OUTSIDE when they are absent or do not hold."""

    writer: str
    digest: str = ""
    commit: str = ""
    run: str = ""
    claimed: str = ""  # the writer the tags name, when the content no longer matches them


def content_digest(task_definition: Mapping[str, Any]) -> str:
    """sha256 of the normalized definition without its tags: equal for a file and the revision registered from
    it, as AWS describes it."""
    data = normalize({k: v for k, v in task_definition.items() if k != "tags"})
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(text.encode("ascii")).hexdigest()


def provenance_tags(task_definition: Mapping[str, Any], writer: str, commit: str = "", run: str = "") -> dict[str, str]:
    """The provenance tags of ``task_definition`` registered by ``writer``: key -> value, commit and run only
    where known. A commit or run a tag could not hold is a programming error of the caller (checked first)."""
    if writer not in WRITERS:
        raise ValueError(writer)
    out = {WRITER: writer, DIGEST: content_digest(task_definition)}
    for key, value in ((COMMIT, commit), (RUN, run)):
        if value:
            if value_problems(value):
                raise ValueError(key, value)
            out[key] = value
    return out


def with_provenance(task_definition: Mapping[str, Any], writer: str, commit: str = "", run: str = "") -> dict[str, Any]:
    """``task_definition`` with its provenance tags in place of any it had, after its own tags."""
    data = dict(task_definition)
    own = [tag for tag in data.get("tags") or [] if not _is_provenance(tag.get("key", ""))]
    tags = provenance_tags(data, writer, commit, run)
    data["tags"] = own + [{"key": k, "value": v} for k, v in tags.items()]
    return data


def _is_provenance(key: str) -> bool:
    return key.lower().startswith(PROVENANCE_PREFIX)


def read_provenance(revision: Mapping[str, Any]) -> Provenance:
    """Who registered ``revision`` (a described one, its tags inside: normalize.from_describe), as far as its
    tags say so and its content still matches them."""
    tags = {tag.get("key"): tag.get("value", "") for tag in revision.get("tags") or []}
    writer, digest = tags.get(WRITER, ""), tags.get(DIGEST, "")
    commit, run = tags.get(COMMIT, ""), tags.get(RUN, "")
    if writer in WRITERS and digest and digest == content_digest(revision):
        return Provenance(writer, digest, commit, run)
    return Provenance(OUTSIDE, digest, commit, run, claimed=writer)


def stack_provenance(plan: Plan) -> dict[str, str]:
    """The tags the stack writes on the revision it registers: its writer and the digest of its rendering (the
    file with the roles' ARNs). No commit: a synth stays reproducible byte for byte wherever it runs."""
    return provenance_tags(json.loads(render_task_definition(plan)), STACK)
