"""The `podfleet` command: Argo's verbs and flags, running embedded (no server) by default."""
