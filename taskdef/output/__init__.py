"""Files written beside each stack (permissions.md, the policies, the rendered input) and the atomic writer."""
