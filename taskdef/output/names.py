"""The names of the files written beside each stack, which the commands and the docs point people to."""

PERMISSIONS_FILE = "permissions.md"
DEPLOYER_POLICY_FILE = "deployer-policy.json"
RENDERED_TASK_DEFINITION_FILE = "task-definition.rendered.json"
VERIFIER_POLICY_FILE = "verifier-policy.json"
DEPLOYER_TRUST_GITHUB_FILE = "deployer-trust-github.json"
