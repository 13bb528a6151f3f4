"""Where the app may bind and with which password (no server started)."""

from __future__ import annotations

import pytest

from assistant import InvalidInputError
from ui.server import check_bind

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_localhost_needs_no_password(host):
    assert check_bind(host, None) is None


def test_another_address_needs_auth_or_an_explicit_waiver():
    with pytest.raises(InvalidInputError, match="pass --auth USER:PASS .*or --no-auth"):
        check_bind("0.0.0.0", None)
    assert check_bind("0.0.0.0", "ann:secret") == ("ann", "secret")
    assert check_bind("0.0.0.0", None, no_auth=True) is None


@pytest.mark.parametrize("auth", ["ann", ":secret", "ann:"])
def test_auth_must_be_user_and_password(auth):
    with pytest.raises(InvalidInputError, match="USER:PASS"):
        check_bind("0.0.0.0", auth)


def test_serve_refuses_an_open_bind_from_the_command_line():
    from typer.testing import CliRunner

    from assistant.cli import app

    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code != 0
    assert "--no-auth" in str(result.exception) or "--no-auth" in result.output
