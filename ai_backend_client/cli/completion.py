"""``backend.ai completion [bash|zsh|fish]``: the shell completion script (click's protocol).

The script calls ``backend.ai`` back with ``_BACKEND_AI_COMPLETE=<shell>_complete`` to complete
each word; click answers from the command tree (subcommands, options, choices).
"""

from __future__ import annotations

import click

__all__ = ["COMPLETE_VAR", "PROG_NAME", "SHELLS", "completion", "completion_script"]

PROG_NAME = "backend.ai"
#: The variable click's completion protocol reads (derived from the program name).
COMPLETE_VAR = "_BACKEND_AI_COMPLETE"
SHELLS = ("bash", "zsh", "fish")

_ENABLE = {
    "bash": 'eval "$(backend.ai completion bash)"   # in ~/.bashrc (bash >= 4.4)',
    "zsh": 'eval "$(backend.ai completion zsh)"    # in ~/.zshrc',
    "fish": "backend.ai completion fish > ~/.config/fish/completions/backend.ai.fish",
}


def completion_script(shell: str) -> str:
    """The completion script of *shell* for the ``backend.ai`` command."""
    from click.shell_completion import get_completion_class

    from .main import cli

    cls = get_completion_class(shell)
    if cls is None:  # click.Choice below keeps this from happening
        raise click.UsageError(f"unsupported shell: {shell}")
    return cls(cli, {}, PROG_NAME, COMPLETE_VAR).source()


@click.command(epilog="To enable it:\n\n\b\n" + "\n".join(f"  {line}" for line in _ENABLE.values()))
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the shell completion script of SHELL (bash, zsh or fish)."""
    click.echo(completion_script(shell), nl=False)
