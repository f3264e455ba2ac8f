"""``backend.ai completion``: each shell's script, and click's completion protocol answering."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ai_backend_client.cli.completion import COMPLETE_VAR
from ai_backend_client.cli.main import cli

# What identifies each shell's script: the hook it installs.
HOOKS = {
    "bash": "complete -o nosort -F _backendai_completion backend.ai",
    "zsh": "compdef _backendai_completion backend.ai",
    "fish": 'complete --no-files --command backend.ai --arguments "(_backendai_completion)"',
}


@pytest.mark.parametrize("shell", sorted(HOOKS))
def test_script_of_each_shell(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0, result.output
    assert HOOKS[shell] in result.stdout
    assert f"{COMPLETE_VAR}={shell}_complete" in result.stdout


def test_unknown_shell_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["completion", "tcsh"])
    assert result.exit_code == 2
    assert "'tcsh' is not one of" in result.stderr


def _complete(shell: str, words: str, cword: str) -> list[str]:
    """Ask ``backend.ai`` as the shell scripts do (the real entry point, a real process)."""
    env = {
        **os.environ,
        COMPLETE_VAR: f"{shell}_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": cword,
    }
    code = "from ai_backend_client.cli.main import main; main()"
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert p.returncode == 0, p.stderr
    return p.stdout.splitlines()


def test_completing_a_subcommand() -> None:
    assert _complete("bash", "backend.ai vf", "1") == ["plain,vfolder"]
    lines = _complete("bash", "backend.ai vfolder list", "2")
    assert lines == [
        "plain,list",
        "plain,list-allowed-types",
        "plain,list-hosts",
        "plain,list-invited",
        "plain,list-own",
        "plain,list-project",
    ]
    # zsh and fish also get each command's help.
    zsh = _complete("zsh", "backend.ai vfolder list-h", "2")
    assert zsh[:2] == ["plain", "list-hosts"] and len(zsh) == 3
    fish = _complete("fish", "backend.ai vfolder list-h", "list-h")
    assert len(fish) == 1 and fish[0].startswith("plain,list-hosts\t")


def test_completing_options_and_choices() -> None:
    assert "plain,--output" in _complete("bash", "backend.ai --ou", "1")
    assert _complete("bash", "backend.ai --output j", "2") == ["plain,json"]
    assert _complete("bash", "backend.ai completion z", "2") == ["plain,zsh"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_script_completes_in_a_real_bash(tmp_path: Path) -> None:
    """Source the printed script in bash and run its completion function like bash does on TAB."""
    script = CliRunner().invoke(cli, ["completion", "bash"]).stdout
    (tmp_path / "completion.bash").write_text(script)
    shim = tmp_path / "backend.ai"
    shim.write_text(
        f"#!/bin/sh\nexec {sys.executable} -c "
        "'from ai_backend_client.cli.main import main; main()' \"$@\"\n"
    )
    shim.chmod(0o755)
    probe = (
        "source completion.bash\n"
        "COMP_WORDS=(backend.ai session-t); COMP_CWORD=1\n"
        "_backendai_completion backend.ai\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    p = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["session-template"]
