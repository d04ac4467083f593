"""A CloudWatch log group for an awslogs destination named in the task definition."""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from constructs import Construct


class TaskLogGroup(Construct):
    """Created by the stack with explicit retention.

    ``prevent_destroy`` makes a plan that would delete the logs fail instead. ``skip_destroy``
    covers what prevent_destroy cannot: a group whose block leaves the configuration (a renamed
    awslogs-group) is dropped from state, and its logs stay.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        log_group_name: str,
        log_group_retention_in_days: int,
        log_group_kms_key_id: str | None,
        logical_id: str,
        adopt: bool = False,
    ) -> None:
        super().__init__(scope, id_)
        self.log_group = CloudwatchLogGroup(
            self,
            "log-group",
            name=log_group_name,
            retention_in_days=log_group_retention_in_days,
            kms_key_id=log_group_kms_key_id,
            skip_destroy=True,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        )
        self.log_group.override_logical_id(logical_id)
        if adopt:
            # An existing group (say, made by awslogs-create-group) is taken over, not re-created.
            self.log_group.import_from(log_group_name)
        self.name: str = self.log_group.name
        self.arn: str = self.log_group.arn
