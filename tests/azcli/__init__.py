"""The real Azure CLI (azure-cli, in .venv-az) driven against the emulator: the article's own commands."""
