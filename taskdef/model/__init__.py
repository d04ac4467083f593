"""The model: the permission plan, its Terraform mapping, the rendered task definition, and quota fitting."""
