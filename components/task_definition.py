"""The ``aws_ecs_task_definition`` resource, carrying every field of the file."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from cdktf_cdktf_provider_aws.ecs_task_definition import (
    EcsTaskDefinition,
    EcsTaskDefinitionPlacementConstraints,
    EcsTaskDefinitionVolume,
)
from constructs import Construct

from taskdef.input.loader import TaskDefinition
from taskdef.model.terraform import task_definition_arguments


class TaskDefinitionRevision(Construct):
    """``skip_destroy`` keeps every registered revision; a service never loses the one it runs.

    ``provenance``: the tags that say the stack registered it (provenance.stack_provenance).
    Attributes: ``task_definition``, ``arn``, ``revision``.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        task_definition: TaskDefinition,
        role_arn: Callable[[str], str],
        log_group_name: Callable[[str], str],
        provenance: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id_)
        args = task_definition_arguments(task_definition, role_arn=role_arn, log_group_name=log_group_name)
        if provenance:
            # Who registered the revision, bound to its content (taskdef/model/provenance.py).
            args["tags"] = {**args.get("tags", {}), **provenance}
        # jsii converts a dict to a struct only at the top level; a dict inside a
        # list would be passed on with snake_case keys and silently dropped.
        if "volume" in args:
            args["volume"] = [EcsTaskDefinitionVolume(**v) for v in args["volume"]]
        if "placement_constraints" in args:
            args["placement_constraints"] = [
                EcsTaskDefinitionPlacementConstraints(**p) for p in args["placement_constraints"]
            ]
        self.task_definition = EcsTaskDefinition(self, "task-definition", **args)
        self.task_definition.override_logical_id("task_definition")
        self.arn: str = self.task_definition.arn
        self.revision = self.task_definition.revision
