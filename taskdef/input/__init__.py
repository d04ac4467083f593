"""What comes in: the task definition file, the settings, ARNs, the service rules and AWS's documented limits."""
