"""The `retention-bot` command line: one module per area, each adding its sub-commands."""
