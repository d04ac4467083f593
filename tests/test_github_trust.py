"""deployer-trust-github.json (taskdef/output/github_trust.py): with settings deployer.github, the deployer role's
trust for GitHub's OIDC tokens, with the audience and the subject pinned, written beside the stack and accepted by
parliament (the IAM policy linter) but for what parliament cannot know, each named with its reason."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest

from taskdef.input.settings import GitHubSettings
from taskdef.output.github_trust import github_trust_policy, render_github_trust
from taskdef.output.names import DEPLOYER_TRUST_GITHUB_FILE
from taskdef.output.stack_files import render

from .conftest import deployer_run_settings, plan_for, role_deployer_settings

ROLE = "arn:aws:iam::575084400422:role/ig-notification-github-deploy"
PROVIDER = "arn:aws:iam::575084400422:oidc-provider/token.actions.githubusercontent.com"

# parliament's view of a trust policy it cannot fully know, each finding with why it stays. Anything else fails.
EXPLAINED = {
    (
        "UNKNOWN_FEDERATION_SOURCE",
        PROVIDER,
    ): "parliament knows SAML providers and four named web identity providers, not an IAM OIDC provider's ARN; "
    "an OIDC provider ARN is how IAM names GitHub's provider in a trust policy",
    (
        "UNKNOWN_CONDITION_FOR_ACTION",
        "Unknown condition token.actions.githubusercontent.com:aud for action sts:AssumeRoleWithWebIdentity",
    ): "an OIDC provider's <host>:aud key is IAM's web identity condition key for the audience; parliament lists "
    "only the four named providers' keys",
    (
        "UNKNOWN_CONDITION_FOR_ACTION",
        "Unknown condition token.actions.githubusercontent.com:sub for action sts:AssumeRoleWithWebIdentity",
    ): "likewise <host>:sub, the token's subject",
    (
        "CREDENTIALS_EXPOSURE",
        "sts:assumerolewithwebidentity",
    ): "assuming the role is what the trust exists for; the audience and the subject hold it to one repository "
    "and one environment",
}


def lint(policy) -> set[tuple[str, str]]:
    """parliament's findings, as (issue, detail or action). A trust policy's statements name no Resource (it is
    the role); parliament lints every statement as an identity statement, so the role is added as Resource."""
    from parliament import analyze_policy_string

    linted = copy.deepcopy(policy)
    for statement in linted["Statement"]:
        statement["Resource"] = ROLE
    out = set()
    for f in analyze_policy_string(json.dumps(linted), include_community_auditors=True).findings:
        actions = f.location.get("actions") if isinstance(f.location, dict) else None
        if actions:
            out |= {(f.issue, a) for a in actions}
        else:
            out.add((f.issue, f.detail))
    return out


@pytest.fixture(scope="module")
def policy():
    return github_trust_policy(deployer_run_settings())


def test_the_trust_pins_the_audience_and_the_subject(policy):
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "GitHubActionsAssumeDeployerRole",
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                        "token.actions.githubusercontent.com:sub": (
                            "repo:ignite-pilot/ig-notification:environment:deployer-run"
                        ),
                    }
                },
            }
        ],
    }
    text = json.dumps(policy)
    assert "*" not in text and "?" not in text and "StringLike" not in text  # nothing else matches the subject


def test_parliament_accepts_it_but_for_what_it_cannot_know(policy):
    assert lint(policy) == set(EXPLAINED)


@pytest.mark.parametrize(
    "plant, found",
    [
        (
            lambda s: s["Condition"]["StringEquals"].update({"token.actions.githubusercontent.com:sbu": "x"}),
            (
                "UNKNOWN_CONDITION_FOR_ACTION",
                "Unknown condition token.actions.githubusercontent.com:sbu for action sts:AssumeRoleWithWebIdentity",
            ),
        ),
        (lambda s: s.update(Action="sts:AssumeRoleWithWebIdentities"), "UNKNOWN_ACTION"),
        (lambda s: s.update(Effect="Alow"), "MALFORMED"),
    ],
)
def test_the_lint_catches_a_planted_defect(policy, plant, found):
    planted = copy.deepcopy(policy)
    plant(planted["Statement"][0])
    new = lint(planted) - set(EXPLAINED)
    assert found in new or found in {issue for issue, _ in new}, new


def test_the_file_is_written_beside_the_stack_only_with_the_setting():
    with_github = render(plan_for(settings=deployer_run_settings()))
    assert json.loads(with_github[DEPLOYER_TRUST_GITHUB_FILE]) == github_trust_policy(deployer_run_settings())
    assert DEPLOYER_TRUST_GITHUB_FILE not in render(plan_for(settings=role_deployer_settings()))
    assert render_github_trust(role_deployer_settings()) is None


def test_the_subject_follows_the_settings_and_the_partition():
    settings = deployer_run_settings()
    other = dataclasses.replace(
        settings,
        region="cn-north-1",
        deployer=dataclasses.replace(settings.deployer, github=GitHubSettings("octo-org/octo-repo", "prod")),
    )
    (statement,) = github_trust_policy(other)["Statement"]
    assert statement["Principal"]["Federated"] == (
        "arn:aws-cn:iam::575084400422:oidc-provider/token.actions.githubusercontent.com"
    )
    assert statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == (
        "repo:octo-org/octo-repo:environment:prod"
    )


def test_synth_writes_it_beside_the_stack(tmp_path):
    """The real synth path (components/app.py): the file lands in the stack directory, beside deployer-policy.json."""
    from components.app import synthesize

    plan = plan_for(settings=deployer_run_settings())
    outdir = tmp_path / "cdktf.out"
    stack_dir = synthesize((plan,), outdir, outdir=outdir)[plan.settings.stack_name]
    written = json.loads((stack_dir / DEPLOYER_TRUST_GITHUB_FILE).read_text(encoding="utf-8"))
    assert written == github_trust_policy(plan.settings) and (stack_dir / "deployer-policy.json").is_file()
    assert lint(written) == set(EXPLAINED)
