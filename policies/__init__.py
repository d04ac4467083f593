"""Project Checkov checks (CKV_IGN_*); Checkov loads only directories with an __init__.py."""
