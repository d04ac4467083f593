"""`main.py verify --image URI`: the image a deploy is about to register, checked the way verify checks the file's.

Offline first (``check_offline``), before any AWS call and without credentials: the URI must name a repository the
execution role may pull from, as the plan grants it (EcrPullImages), or ECS fails the task at start after the
deploy has waited for it; and a digest or a fixed tag, never ``latest`` (the project's CKV_IGN_10 refuses mutable
tags in the file for the same reason). Then in the account (``deployed_image_states``): the image exists, and
where it is named by tag, which digest the tag names now and whether the repository's tags can move.

The image replaces the first container's, as the deploy workflow renders it; the other containers' images are
checked as the file names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from taskdef.account.reader import Account, ReadDenied, ResourceState
from taskdef.account.resources import ecr_images, image_state, readable
from taskdef.input import arns
from taskdef.model.plan import TASK_EXECUTION_ROLE, Plan
from taskdef.text.i18n import Text, t


class ImageRefused(Exception):
    """The image fails an offline check: one line, in the reader's language."""

    def __init__(self, text: Text) -> None:
        self.text = text
        super().__init__(text)


@dataclass(frozen=True)
class DeployedImage:
    uri: str
    image: arns.EcrImage

    @property
    def label(self) -> str:
        """How verify names it: the repository and the reference, as for the file's images."""
        i = self.image
        return f"{i.repository}@{i.digest}" if i.digest else f"{i.repository}:{i.tag}"


def granted_repositories(plan: Plan) -> tuple[str, ...]:
    """The ECR repositories the execution role may pull from, as the plan grants them (EcrPullImages)."""
    role = plan.role(TASK_EXECUTION_ROLE)
    if role is None:
        return ()
    return tuple(
        dict.fromkeys(
            r.arn
            for s in (*role.statements, *role.overflow_statements)
            if s.sid == "EcrPullImages"
            for r in s.resources
        )
    )


def check_offline(plan: Plan, uri: str) -> DeployedImage:
    """The image, or ImageRefused naming the first check it fails. No AWS call."""
    image = arns.parse_ecr_image(uri)
    granted = granted_repositories(plan)
    listed = ", ".join(granted)
    if image is None:
        raise ImageRefused(
            t("verify.image_not_ecr", uri=uri, granted=listed) if granted else t("verify.image_no_grant", uri=uri)
        )
    if image.repository_arn not in granted:
        if not granted:
            raise ImageRefused(t("verify.image_no_grant", uri=uri))
        raise ImageRefused(t("verify.image_outside_grant", uri=uri, repository=image.repository_arn, granted=listed))
    if image.digest is None and image.tag in (None, "latest"):
        raise ImageRefused(t("verify.image_latest", uri=uri, repository=image.repository))
    return DeployedImage(uri, image)


def deployed_image_states(
    account: Account, plan: Plan, deployed: DeployedImage
) -> tuple[list[ResourceState], dict[str, Any]]:
    """The image to deploy in the account, then the file's other images; and what verify --json reports of it."""
    facts: dict[str, Any] = {
        "uri": deployed.uri,
        "repository": deployed.image.repository_arn,
        "tag": deployed.image.tag,
        "digest": deployed.image.digest,
        "exists": None,
        "tag_mutability": None,
    }
    state = readable("image", deployed.label, lambda: _deployed_state(account, deployed, facts))
    if not state.unverified:
        facts["exists"] = state.exists
    others = [readable("image", i.repository, partial(image_state, account, i)) for i in ecr_images(plan, first=False)]
    return [state, *others], facts


def _deployed_state(account: Account, deployed: DeployedImage, facts: dict[str, Any]) -> ResourceState:
    from botocore.exceptions import ClientError

    image = deployed.image
    image_id = {"imageDigest": image.digest} if image.digest else {"imageTag": image.tag}
    try:
        found = account.call(
            "ecr",
            "describe_images",
            in_region=image.region,
            repositoryName=image.repository,
            registryId=image.account_id,
            imageIds=[image_id],
        )["imageDetails"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in ("ImageNotFoundException", "RepositoryNotFoundException"):
            return ResourceState("image", deployed.label, False, code)
        raise
    if not found:
        return ResourceState("image", deployed.label, False)
    digest = found[0]["imageDigest"]
    facts["digest"] = digest
    if image.digest:
        return ResourceState("image", deployed.label, True, t("verify.image_by_digest"))
    mutability = _tag_mutability(account, image)
    facts["tag_mutability"] = mutability if isinstance(mutability, str) else None
    return ResourceState("image", deployed.label, True, _tag_detail(image, digest, mutability))


def _tag_mutability(account: Account, image: arns.EcrImage) -> str | ReadDenied:
    """The repository's imageTagMutability, or the denial that kept verify from reading it (it only informs)."""
    try:
        (repository,) = account.call(
            "ecr",
            "describe_repositories",
            in_region=image.region,
            registryId=image.account_id,
            repositoryNames=[image.repository],
        )["repositories"]
    except ReadDenied as exc:
        return exc
    return repository.get("imageTagMutability", "MUTABLE")


def _tag_detail(image: arns.EcrImage, digest: str, mutability: str | ReadDenied) -> Text:
    fields: Mapping[str, Any] = {"tag": image.tag, "digest": digest, "repository": image.repository}
    if isinstance(mutability, ReadDenied):
        return t("verify.image_tag_unknown", action=mutability.action, **fields)
    if mutability == "IMMUTABLE":
        return t("verify.image_tag_immutable", mutability=mutability, **fields)
    return t("verify.image_tag_mutable", mutability=mutability, **fields)
