"""The authorization proof: the request model (never the plan), the policies, the IAM engine, the verdicts."""
