"""taskdef/account/resources.py: the family's latest revision compared with the file as ECS means it."""

from __future__ import annotations

import json

from taskdef.account.resources import latest_revision, revision_differences

from .conftest import FIXTURES


def described() -> dict:
    """The prod file's revision as AWS describes it: every default filled in, lists in another order."""
    return json.loads((FIXTURES / "describe" / "fargate-prod.json").read_text(encoding="utf-8"))


class OneRevision:
    """An account that answers DescribeTaskDefinition with one revision."""

    def __init__(self, answer: dict) -> None:
        self.answer = answer

    def call(self, service, operation, **kwargs):
        assert (service, operation) == ("ecs", "describe_task_definition")
        return self.answer


def test_a_revision_as_aws_describes_it_matches_the_file(default_plan):
    """The top-level comparison this replaced read containerDefinitions, volumes and more as different here."""
    state = latest_revision(OneRevision(described()), default_plan)
    assert state.detail.in_("en") == "revision 7; matches the file"


def test_a_difference_is_named_by_its_path(default_plan):
    answer = described()
    answer["taskDefinition"]["containerDefinitions"][0]["environment"].append({"name": "LOG_LEVEL", "value": "x"})
    answer["taskDefinition"]["memory"] = "2048"
    state = latest_revision(OneRevision(answer), default_plan)
    assert state.detail.in_("en") == (
        "revision 7; differs from the file in "
        "containerDefinitions[name=ig-notification].environment[name=LOG_LEVEL].value, memory"
    )


def test_many_differences_are_cut_short(default_plan):
    answer = described()
    env = answer["taskDefinition"]["containerDefinitions"][0]["environment"]
    env += [{"name": f"V{i}", "value": "x"} for i in range(10)]
    assert len(revision_differences(default_plan, answer["taskDefinition"])) == 10
    assert latest_revision(OneRevision(answer), default_plan).detail.in_("en").endswith(" and 2 more")


def test_tags_are_no_difference(default_plan):
    answer = described()
    answer["taskDefinition"]["tags"] = [{"key": "Edited", "value": "in the console"}]
    assert revision_differences(default_plan, answer["taskDefinition"]) == []


def test_the_secrets_verify_describes_are_this_account_s_and_region_s():
    from taskdef.account.resources import secret_names

    from .conftest import default_task_definition, plan_for

    data = default_task_definition()
    here = "arn:aws:secretsmanager:ap-northeast-2:575084400422:secret"
    data["containerDefinitions"][0]["secrets"] = [
        {"name": "FULL", "valueFrom": f"{here}:prod/full-AbCdEf:password::"},
        {"name": "ELSEWHERE", "valueFrom": "arn:aws:secretsmanager:us-east-1:575084400422:secret:prod/east"},
        {"name": "SHARED", "valueFrom": "arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:shared/db"},
        {
            "name": "BY_PARAMETER_ARN",
            "valueFrom": "arn:aws:ssm:ap-northeast-2:575084400422:parameter/aws/reference/secretsmanager/prod/ref",
        },
        {
            "name": "BY_PARAMETER_ARN_ELSEWHERE",
            "valueFrom": "arn:aws:ssm:us-east-1:575084400422:parameter/aws/reference/secretsmanager/prod/east-ref",
        },
        {"name": "BY_PARAMETER_NAME", "valueFrom": "/aws/reference/secretsmanager/prod/named"},
    ]
    names = secret_names(plan_for(data))
    assert names == {
        "prod/ignite-pilot/postgresInfo2": "prod/ignite-pilot/postgresInfo2",  # settings runtime_secrets
        "prod/full-AbCdEf": f"{here}:prod/full-AbCdEf",
        "prod/ref": "prod/ref",
        "prod/named": "prod/named",
    }
