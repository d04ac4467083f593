"""Run by the scanner's Python (.venv-scanner), not by pytest: Checkov in-process over a folder with the
project checks, every record printed as one JSON list. Checkov lives in an environment of its own, so the
tests reach it through this script (tests/test_policies.py)."""

from __future__ import annotations

import json
import sys

from checkov.runner_filter import RunnerFilter
from checkov.terraform_json.runner import TerraformJsonRunner


def main(root_folder: str, checks_dir: str) -> None:
    report = TerraformJsonRunner().run(
        root_folder=root_folder,
        external_checks_dir=[checks_dir],
        runner_filter=RunnerFilter(framework=["terraform_json"], checks=["CKV_IGN_*"], show_progress_bar=False),
    )
    records = report.passed_checks + report.failed_checks + report.skipped_checks
    json.dump(
        {
            "parsing_errors": list(report.parsing_errors),
            "records": [
                {
                    "check_id": r.check_id,
                    "file_abs_path": r.file_abs_path,
                    "resource": r.resource,
                    "result": r.check_result["result"].value,
                    "details": list(r.details or []),
                }
                for r in records
            ],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
