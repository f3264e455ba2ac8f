"""``# since: <version>`` on the first line keeps a shared GraphQL file to that version and newer."""

from __future__ import annotations

from codegen.graphql import _available_in

SINCE = "# since: v8.20240915\n\nquery Q { a }\n"


def test_a_shared_file_with_since_skips_older_versions() -> None:
    rel = "spec/operations/x.graphql"
    assert not _available_in("v6.20220315", rel, SINCE)
    assert _available_in("v8.20240915", rel, SINCE)
    assert _available_in("v9.20250722", rel, SINCE)
    assert _available_in("v10.20260101", rel, SINCE)  # majors compare as numbers


def test_without_the_first_line_or_outside_the_shared_folder_it_applies() -> None:
    assert _available_in("v6.20220315", "spec/operations/x.graphql", "query Q { a }\n")
    late = "query Q { a }\n# since: v8.20240915\n"
    assert _available_in("v6.20220315", "spec/operations/x.graphql", late)
    assert _available_in("v6.20220315", "spec/v6.20220315/operations/x.graphql", SINCE)
