"""The deploy workflow's record: `main.py deploy-summary`, which the workflow appends to $GITHUB_STEP_SUMMARY.

The workflow's steps know the facts (what they resolved, registered, read and did); this module only says them, in
the reader's language: the image by digest, the revision registered, the revision it replaced, the service and
cluster, whether the service went stable, what a rollback did, and a one-off task's exit code. Markdown, one table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from taskdef.text.i18n import Text, section, t

OUTCOMES = ("success", "failure", "cancelled", "skipped", "")
ROLLBACK_RESULTS = ("rolled-back", "refused", "not-needed", "")


@dataclass(frozen=True)
class DeployRecord:
    """What one run of the deploy workflow did. Empty strings are what a step did not get to."""

    environment: str
    cluster: str
    service: str = ""
    mode: str = "deploy"  # deploy: an image; rollback: the revision the workflow was started with
    image: str = ""  # the image by digest, as the revision names it
    registered: str = ""  # the revision the deploy registered (ARN)
    replaced: str = ""  # the revision the service ran before (ARN)
    outcome: str = ""  # deploy: the deploy step's outcome (GitHub's steps.<id>.outcome); rollback: the rollback's
    wait: bool = True  # settings deployer.run.wait: whether the workflow waited for the service to be stable
    rollback: str = ""  # deploy: what the rollback step did (ROLLBACK_RESULTS)
    rolled_back_to: str = ""  # the revision the service was pointed back at (ARN), by the rollback or as asked
    rollback_stable: str = ""  # "true" or "false" once the rollback waited; "" when it did not
    runs: str = ""  # the revision the service runs at the end, where a step read it
    task: str = ""  # the one-off task (ARN)
    exit_codes: str = ""  # the one-off task's containers, "name=code ..."
    diff: str = ""  # what main.py diff printed before registering (its text report), where it ran
    reused: bool = False  # registered names the stack's revision, which the deploy pointed at without registering


def _code(value: str) -> str:
    return f"`{value}`"


def _revision(arn: str) -> str:
    """family:revision, the way ECS names a revision in its console, with the full ARN in a code span."""
    return f"`{arn.rsplit('/', 1)[-1]}` ({_code(arn)})" if "/" in arn else _code(arn)


def _stable(r: DeployRecord) -> Text:
    if r.mode == "rollback":
        if r.outcome != "success":
            return t("summary.stable_rollback_failed")
        return t("summary.stable_yes") if r.wait else t("summary.stable_not_waited")
    if not r.service:
        return t("summary.stable_no_service")
    if r.outcome == "success":
        return t("summary.stable_yes") if r.wait else t("summary.stable_not_waited")
    if r.rollback in ("rolled-back", "refused"):
        return t("summary.stable_no")
    if r.outcome in ("skipped", "") or not r.registered:
        return t("summary.stable_not_deployed")
    return t("summary.stable_not_reached", runs=_revision(r.runs) if r.runs else t("summary.unknown"))


def _rollback(r: DeployRecord) -> Text | None:
    after = {
        "true": t("summary.again_stable"),
        "false": t("summary.again_unstable"),
        "": t("summary.again_not_waited"),
    }[r.rollback_stable]
    if r.mode == "rollback":
        if not r.rolled_back_to:
            return t("summary.rollback_not_done")
        return t("summary.rollback_asked", revision=_revision(r.rolled_back_to), after=after)
    if r.rollback == "rolled-back":
        return t("summary.rollback_done", revision=_revision(r.rolled_back_to), after=after)
    if r.rollback == "refused":
        return t("summary.rollback_refused", revision=_revision(r.replaced))
    return None


def _task(r: DeployRecord) -> Text:
    if not r.task:
        return t("summary.task_none")
    if not r.exit_codes:
        return t("summary.task_no_code" if r.wait else "summary.task_not_waited", task=_code(r.task))
    return t("summary.task_exit", task=_code(r.task), codes=", ".join(_code(c) for c in r.exit_codes.split()))


def _title(r: DeployRecord) -> Text:
    if r.mode == "rollback":
        return t(
            "summary.title_rollback" if r.outcome == "success" else "summary.title_rollback_failed", env=r.environment
        )
    if r.outcome == "success":
        return t("summary.title_deployed", env=r.environment)
    if r.rollback == "rolled-back":
        return t("summary.title_rolled_back", env=r.environment)
    return t("summary.title_failed", env=r.environment)


def render_summary(r: DeployRecord, language: str) -> str:
    """The record as Markdown, in ``language``."""
    m = section(language, "summary")

    def say(text: Text) -> str:
        return text.in_(language)

    none = m["none"]
    rows = [
        (m["row_image"], _code(r.image) if r.image else none),
        (m["row_reused" if r.reused else "row_registered"], _revision(r.registered) if r.registered else none),
        (m["row_replaced"], _revision(r.replaced) if r.replaced else none),
        (
            m["row_service"],
            say(t("summary.service", service=_code(r.service), cluster=_code(r.cluster)))
            if r.service
            else say(t("summary.cluster_only", cluster=_code(r.cluster))),
        ),
        (m["row_stable"], say(_stable(r))),
    ]
    rollback = _rollback(r)
    if rollback is not None:
        rows.append((m["row_rollback"], say(rollback)))
    rows.append((m["row_task"], say(_task(r))))
    lines = [f"## {say(_title(r))}", "", f"| | {m['col_value']} |", "|---|---|"]
    lines += [f"| {name} | {value.replace('|', chr(92) + '|')} |" for name, value in rows]
    if r.diff.strip():
        # A fence longer than any run of backticks in the report, so the report cannot close it.
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", r.diff)), default=0))
        lines += ["", f"### {m['diff_heading']}", "", f"{fence}diff", r.diff.rstrip("\n"), fence]
    return "\n".join(lines) + "\n"
