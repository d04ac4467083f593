"""What the task needs to exist in the account (secrets, parameters, images, log groups, the revision,
the cluster and services), read without ever reading a secret's value."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from taskdef.account.diff import collect
from taskdef.account.diff_text import as_json
from taskdef.account.reader import Account, ReadDenied, ResourceState
from taskdef.input import arns
from taskdef.model.normalize import differences
from taskdef.model.plan import Plan
from taskdef.model.rendered import render_task_definition
from taskdef.text.i18n import t


def readable(kind: str, name: str, read: Callable[[], ResourceState]) -> ResourceState:
    """One resource read; denied, the resource is reported unverified and verify goes on."""
    try:
        return read()
    except ReadDenied as exc:
        return ResourceState(kind, name, False, unverified=exc.action)


def secret_names(plan: Plan) -> dict[str, str]:
    """Secret name -> the SecretId to describe it by (a startup secret's ARN, partial or full). Secrets in this
    account and region only: another's is described in its account, as a parameter or an image is."""
    s = plan.settings
    out = {n: n for n in s.runtime_secrets} if plan.task_definition.task_role_arn else {}
    for _, value in arns.secret_value_paths(plan.task_definition):
        m = re.fullmatch(r"(arn:[a-z-]+:secretsmanager:([a-z0-9-]+):(\d{12}):secret:)([^:]+)(:.*)?", value)
        p = re.fullmatch(r"arn:[a-z-]+:ssm:([a-z0-9-]+):(\d{12}):parameter/(.+)", value)
        if m:
            if (m.group(2), m.group(3)) == (s.region, s.account_id):
                out.setdefault(m.group(4), m.group(1) + m.group(4))
            continue
        # A parameter, by name or by its ARN in this account and region, that resolves to a secret.
        name = p.group(3) if p and (p.group(1), p.group(2)) == (s.region, s.account_id) else None if p else value
        if name and name.lstrip("/").startswith(SSM_SECRET_REFERENCE):
            secret = name.lstrip("/")[len(SSM_SECRET_REFERENCE) :]
            out.setdefault(secret, secret)
    return out


def secret_state(account: Account, name: str, secret_id: str, secret_arns: dict[str, str]) -> ResourceState:
    """Whether the secret exists; its real ARN (with the suffix) goes into ``secret_arns``."""
    found = describe_secret(account, secret_id)
    if found:
        secret_arns[name] = found
    return ResourceState("secret", name, found is not None)


def parameter_state(account: Account, name: str) -> ResourceState:
    found = account.call(
        "ssm", "describe_parameters", ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
    )["Parameters"]
    return ResourceState("parameter", name, bool(found))


def log_group_exists(account: Account, name: str) -> bool:
    found = account.call("logs", "describe_log_groups", logGroupNamePrefix=name)["logGroups"]
    return any(g["logGroupName"] == name for g in found)


def describe_secret(account: Account, secret_id: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        return account.call("secretsmanager", "describe_secret", SecretId=secret_id)["ARN"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise


def parameter_names(plan: Plan) -> list[str]:
    """SSM parameters in this account and region, by name (another account's cannot be described here)."""
    s, out = plan.settings, []
    for _, value in arns.secret_value_paths(plan.task_definition):
        m = re.fullmatch(r"arn:[a-z-]+:ssm:([a-z0-9-]+):(\d{12}):parameter(/.+)", value)
        if m and (m.group(1), m.group(2)) != (s.region, s.account_id):
            continue
        name = m.group(3) if m else None if value.startswith("arn:") else value
        if name and not name.lstrip("/").startswith(SSM_SECRET_REFERENCE):  # a secret: checked as one
            out.append(name)
    return list(dict.fromkeys(out))


SSM_SECRET_REFERENCE = "aws/reference/secretsmanager/"


def ecr_images(plan: Plan, *, first: bool = True) -> list[arns.EcrImage]:
    """The file's images in this account's ECR; ``first=False`` leaves out the first container's, which
    ``verify --image`` replaces with the image being deployed."""
    s = plan.settings
    containers = plan.task_definition.containers if first else plan.task_definition.containers[1:]
    images = [arns.parse_ecr_image(c["image"]) for c in containers]
    # Only this account's registry in this region can be read with these credentials.
    return [i for i in images if i and i.account_id == s.account_id and i.region == s.region]


def image_state(account: Account, image: arns.EcrImage) -> ResourceState:
    from botocore.exceptions import ClientError

    image_id = {"imageDigest": image.digest} if image.digest else {"imageTag": image.tag or "latest"}
    label = f"{image.repository}{'@' + image.digest if image.digest else ':' + (image.tag or 'latest')}"
    try:
        found = account.call(
            "ecr", "describe_images", repositoryName=image.repository, registryId=image.account_id, imageIds=[image_id]
        )["imageDetails"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("ImageNotFoundException", "RepositoryNotFoundException"):
            return ResourceState("image", label, False, exc.response["Error"]["Code"])
        raise
    return ResourceState("image", label, bool(found))


def run_targets(account: Account, plan: Plan) -> list[ResourceState]:
    """settings deployer.run: whether the cluster and the services exist, and which revision each service runs."""
    run = plan.settings.deployer.run
    if run is None:
        return []
    out = [readable("cluster", run.cluster, lambda: cluster_state(account, run.cluster))]
    for name in run.services:
        out.append(readable("service", f"{run.cluster}/{name}", partial(service_state, account, run.cluster, name)))
    return out


def compared_services(
    account: Account, plan: Plan, targets: list[ResourceState]
) -> tuple[list[ResourceState], dict[str, Any] | None]:
    """settings deployer.run: each service's row says what its revision holds against the file, by diff's
    comparison (taskdef/account/diff.py: normalized, every difference with its owner); and diff's JSON report.
    Without services, or with diff's reads denied, the rows stay as they are and the report is None."""
    run = plan.settings.deployer.run
    if run is None or not run.services:
        return targets, None
    try:
        report = collect(account, plan)
    except ReadDenied:
        return targets, None
    by_service = {c.service: c for c in report.compared if c.error is None}
    out = []
    for r in targets:
        c = by_service.get(r.name) if r.kind == "service" and r.exists else None
        if c is not None:
            revision, writer = f"{report.family}:{c.revision}", c.provenance.writer if c.provenance else "outside"
            shown = shown_paths([f"{d.path} ({d.owner})" for d in c.differences])
            detail = (
                t("verify.service_differs", revision=revision, writer=writer, differences=shown)
                if c.differences
                else t("verify.service_matches", revision=revision, writer=writer)
            )
            r = dataclasses.replace(r, detail=detail)
        out.append(r)
    return out, as_json(report)


def cluster_state(account: Account, cluster: str) -> ResourceState:
    found = account.call("ecs", "describe_clusters", clusters=[cluster])["clusters"]
    status = found[0]["status"] if found else "MISSING"
    return ResourceState("cluster", cluster, status == "ACTIVE", "" if status == "ACTIVE" else status)


def service_state(account: Account, cluster: str, name: str) -> ResourceState:
    from botocore.exceptions import ClientError

    try:
        found = account.call("ecs", "describe_services", cluster=cluster, services=[name])["services"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ClusterNotFoundException":
            return ResourceState("service", f"{cluster}/{name}", False, t("verify.no_cluster"))
        raise
    if not found or found[0]["status"] != "ACTIVE":
        return ResourceState("service", f"{cluster}/{name}", False, found[0]["status"] if found else "MISSING")
    return ResourceState(
        "service",
        f"{cluster}/{name}",
        True,
        t("verify.service_runs", revision=found[0]["taskDefinition"].rsplit("/", 1)[-1]),
    )


PATHS_SHOWN = 8


def shown_paths(paths: list[str], limit: int = PATHS_SHOWN) -> str:
    """The first ``limit`` paths, and how many more there are."""
    shown = ", ".join(paths[:limit])
    return shown + t("loader.and_more", count=len(paths) - limit) if len(paths) > limit else shown


def revision_differences(plan: Plan, revision: Mapping[str, Any]) -> list[str]:
    """The paths where a described revision differs from the stack's rendering of the file, as ECS means them
    (taskdef/model/normalize.py, the comparison ``diff`` makes): describe-only fields, the defaults ECS fills in
    and the order of named lists are no differences; tags are left out (they change without a new revision)."""
    wanted = json.loads(render_task_definition(plan))
    return [
        path
        for path, _, _ in differences(
            {k: v for k, v in wanted.items() if k != "tags"}, {k: v for k, v in revision.items() if k != "tags"}
        )
    ]


def latest_revision(account: Account, plan: Plan) -> ResourceState:
    """The family's latest revision, and where it differs from the file (informational)."""
    from botocore.exceptions import ClientError

    family = plan.task_definition.family
    try:
        latest = account.call("ecs", "describe_task_definition", taskDefinition=family)["taskDefinition"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ClientException":
            return ResourceState("task definition", family, True, t("verify.no_revision"), fixed_by_apply=True)
        raise
    differs = revision_differences(plan, latest)
    detail = (
        t("verify.revision_differs", revision=latest.get("revision"), fields=shown_paths(differs))
        if differs
        else t("verify.revision_matches", revision=latest.get("revision"))
    )
    return ResourceState("task definition", family, True, detail)
