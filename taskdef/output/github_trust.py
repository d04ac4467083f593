"""deployer-trust-github.json: the deployer role's trust policy for GitHub Actions, written beside the stack when
the settings name the repository (``deployer.github``).

The stack never manages the deployer role or its trust; this file is what its owner puts on it
(``aws iam create-role --assume-role-policy-document file://...`` or ``update-assume-role-policy``). It trusts
GitHub's OIDC provider in this account for one thing: a token whose audience is STS (what
aws-actions/configure-aws-credentials asks for) and whose subject is a job of that repository running in that
GitHub environment. No other repository, branch, tag, pull request or environment can assume the role.
"""

from __future__ import annotations

import json
from typing import Any

from taskdef.input.settings import Settings

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
# The audience configure-aws-credentials requests for its token (its `audience` input's default).
GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com"
TRUST_SID = "GitHubActionsAssumeDeployerRole"


def github_subject(repository: str, environment: str) -> str:
    """The OIDC token's sub claim for a job that runs in a GitHub environment (GitHub's default claim template)."""
    return f"repo:{repository}:environment:{environment}"


def oidc_provider_arn(settings: Settings) -> str:
    return f"arn:{settings.partition}:iam::{settings.account_id}:oidc-provider/{GITHUB_OIDC_HOST}"


def github_trust_policy(settings: Settings) -> dict[str, Any] | None:
    """The trust policy, or None when the settings name no GitHub repository."""
    github = settings.deployer.github
    if github is None:
        return None
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": TRUST_SID,
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn(settings)},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB_OIDC_HOST}:aud": GITHUB_OIDC_AUDIENCE,
                        f"{GITHUB_OIDC_HOST}:sub": github_subject(github.repository, github.environment),
                    }
                },
            }
        ],
    }


def render_github_trust(settings: Settings) -> str | None:
    policy = github_trust_policy(settings)
    return None if policy is None else json.dumps(policy, indent=2) + "\n"
