"""Pure-Python model: task definition file -> validated model -> permission plan -> proof and reports.

Grouped by stage, each importing only the stages below it (import-linter's contracts in ``pyproject.toml``):
account > output > proof > model > input > text. Nothing here imports cdktf, so validation and reports
run in milliseconds and the constructs in ``components/`` stay thin.
"""
