"""Pure-Python model: task definition file -> validated model -> permission plan.

Nothing here imports cdktf, so validation and reports run in milliseconds and the
constructs in ``components/`` stay thin.
"""
