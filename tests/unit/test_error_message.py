"""``BackendAPIError.message``: the server's detail, wherever the manager put it."""

from __future__ import annotations

from ai_backend_client.exceptions import BadRequestError, NotFoundError, error_for_status


def test_msg_is_the_message() -> None:
    err = error_for_status(404)(404, "Not Found", {"title": "No such session.", "msg": "gone"})
    assert isinstance(err, NotFoundError) and (err.title, err.message) == (
        "No such session.",
        "gone",
    )


def test_a_data_string_is_the_message_when_there_is_no_msg() -> None:
    # what a vfolder 404 looks like (22.03 to 26.09)
    err = NotFoundError(404, "Not Found", {"title": "No such virtual folder.", "data": "myfolder"})
    assert err.message == "myfolder"
    assert str(err) == "404 Not Found: No such virtual folder. myfolder"


def test_structured_data_is_not_a_message() -> None:
    err = BadRequestError(
        400, "Bad Request", {"title": "Invalid API parameters.", "data": {"a": 1}}
    )
    assert err.message is None
    assert NotFoundError(404, "Not Found", {"title": "x", "msg": "m", "data": "d"}).message == "m"
