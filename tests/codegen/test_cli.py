"""``python -m codegen``: render, --out, --check and spec errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.__main__ import main

from .conftest import FIXTURE_SPEC


def test_render_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "generated"
    assert main(["--spec", str(FIXTURE_SPEC), "--out", str(out)]) == 0
    assert (out / "v6_20220315" / "resources" / "root.py").is_file()
    assert main(["--spec", str(FIXTURE_SPEC), "--out", str(out), "--check"]) == 0

    resources = out / "v6_20220315" / "resources" / "root.py"
    resources.write_text(resources.read_text().replace("def hello(", "def hallo("))
    (out / "v6_20220315" / "extra.py").write_text("")
    (out / "_helpers.py").unlink()
    capsys.readouterr()
    assert main(["--spec", str(FIXTURE_SPEC), "--out", str(out), "--check"]) == 1
    err = capsys.readouterr().err
    assert "--- v6_20220315/resources/root.py" in err and "-    def hallo(" in err
    assert "--- v6_20220315/extra.py\nnot produced by the generator" in err
    assert "--- _helpers.py\nmissing" in err

    # rendering again repairs the tree and removes what the generator does not make
    assert main(["--spec", str(FIXTURE_SPEC), "--out", str(out)]) == 0
    assert not (out / "v6_20220315" / "extra.py").exists()
    assert main(["--spec", str(FIXTURE_SPEC), "--out", str(out), "--check"]) == 0


def test_bad_spec_exits_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "spec" / "v6.20220315"
    folder.mkdir(parents=True)
    (folder / "openapi.yaml").write_text("openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n")
    assert main(["--spec", str(tmp_path / "spec"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "v6.20220315/openapi.yaml" in err and "not a valid OpenAPI 3.1 document" in err
    assert not (tmp_path / "out").exists()
