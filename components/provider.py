"""The AWS provider: pinned by the bindings, locked to one account and region."""

from __future__ import annotations

from collections.abc import Mapping

from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct


class AccountProvider(Construct):
    """``allowed_account_ids`` stops an apply with the wrong credentials before it touches anything."""

    def __init__(
        self, scope: Construct, id_: str, *, account_id: str, region: str, default_tags: Mapping[str, str]
    ) -> None:
        super().__init__(scope, id_)
        self.provider = AwsProvider(
            self,
            "aws",
            region=region,
            allowed_account_ids=[account_id],
            default_tags=[AwsProviderDefaultTags(tags=dict(default_tags))] if default_tags else None,
        )
