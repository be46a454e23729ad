"""Every library's log lines go through the same redaction, and secret values in use are
scrubbed whatever the wording."""

from __future__ import annotations

import base64
import io
import logging
from typing import TYPE_CHECKING

import pytest
from google.api_core import client_logging

from dcaas.observability import configure_logging
from dcaas.observability.in_use import note_secret, secrets_in_use
from dcaas.observability.logs import RedactingFilter, install_redaction

if TYPE_CHECKING:
    from collections.abc import Iterator

# uvicorn: dcaas serve runs it with log_config=None, so its loggers propagate like these
# (a uvicorn configured elsewhere, with its own handlers: see the non-propagating test).
LIBRARIES = [
    "asyncssh",
    "asyncssh.sftp",
    "botocore.endpoint",
    "boto3.resources",
    "s3transfer",
    "httpx",
    "httpcore.connection",
    "asyncpg",
    "aiomysql",
    "urllib3.connectionpool",
    "google.auth.transport.requests",
    "google.cloud.storage",
]
VALUE = "Value-In-Use-Nq4-secret"
NAMED = "Named-Secret-Kp2"


@pytest.fixture
def served() -> Iterator[io.StringIO]:
    """The handler ``dcaas serve`` installs (JSON, DEBUG here), writing into a buffer."""
    out = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("DEBUG", "json", stream=out)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.parametrize("name", LIBRARIES)
def test_library_lines_are_redacted(served: io.StringIO, name: str, secrets_used) -> None:
    """A library's line with a named secret and a bare value in use shows neither."""
    secrets_used(VALUE, NAMED)
    logger = logging.getLogger(name)
    level, disabled = logger.level, logger.disabled
    # Other tests' servers reconfigure logging (a level of their own, dictConfig disabling
    # existing loggers): this test is about redaction, so the line is let through.
    logger.setLevel(logging.INFO)
    logger.disabled = False
    try:
        with secrets_in_use([VALUE]):
            logger.info("password=%s then %s; %r", NAMED, VALUE, {"token": NAMED})
    finally:
        logger.setLevel(level)
        logger.disabled = disabled
    line = served.getvalue()
    assert name in line
    assert NAMED not in line
    assert VALUE not in line


def test_value_in_use_is_scrubbed_in_base64_and_hex(served: io.StringIO) -> None:
    """The base64 and hex forms of a value in use are scrubbed too."""
    encoded = base64.b64encode(VALUE.encode()).decode()
    with secrets_in_use([VALUE]):
        logging.getLogger("botocore").info("body %s hex %s", encoded, VALUE.encode().hex())
    assert encoded.rstrip("=") not in served.getvalue()
    assert VALUE.encode().hex() not in served.getvalue()


def test_short_value_is_scrubbed_only_as_a_word(served: io.StringIO) -> None:
    """A two-letter user name is scrubbed where it stands alone, not inside other words."""
    with secrets_in_use(["me"]):
        logging.getLogger("asyncssh").info("Beginning auth for user %s (message)", "me")
    assert "Beginning auth for user *** (message)" in served.getvalue()


def test_value_noted_inside_a_block_is_scrubbed_until_it_ends(served: io.StringIO) -> None:
    """A token learnt inside the block (an OAuth refresh) is scrubbed there, not after."""
    with secrets_in_use([]):
        note_secret("Fresh-Access-Token-Zz9")
        logging.getLogger("httpx").info("got Fresh-Access-Token-Zz9")
    logging.getLogger("httpx").info("later Fresh-Access-Token-Zz9 is ordinary text")
    lines = served.getvalue().splitlines()
    assert "Fresh-Access-Token-Zz9" not in lines[0]
    assert "Fresh-Access-Token-Zz9" in lines[1]


def test_values_in_use_do_not_leak_across_contexts(served: io.StringIO) -> None:
    """Outside the block a value is no longer in use: nothing global is left behind."""
    with secrets_in_use(["Scoped-Value-Ab1"]):
        pass
    logging.getLogger("asyncpg").info("Scoped-Value-Ab1")
    assert "Scoped-Value-Ab1" in served.getvalue()


def test_handler_of_a_non_propagating_logger_gets_the_filter(served: io.StringIO) -> None:
    """A library logger with its own handler and propagate off is redacted all the same."""
    out = io.StringIO()
    logger = logging.getLogger("tests.isolated.library")
    own = logging.StreamHandler(out)
    logger.addHandler(own)
    logger.propagate = False
    try:
        install_redaction()
        assert any(isinstance(f, RedactingFilter) for f in own.filters)
        logger.warning("clientSecret=%s", NAMED)
    finally:
        logger.removeHandler(own)
        logger.propagate = True
    assert NAMED not in out.getvalue()


def test_other_root_handlers_see_redacted_records(served: io.StringIO) -> None:
    """A plain handler on the root logger (no dcaas formatter) gets the redacted record."""
    out = io.StringIO()
    plain = logging.StreamHandler(out)
    root = logging.getLogger()
    root.addHandler(plain)
    try:
        install_redaction()
        with secrets_in_use([VALUE]):
            logging.getLogger("urllib3").error("refused %s", VALUE, exc_info=ValueError(VALUE))
    finally:
        root.removeHandler(plain)
    assert VALUE not in out.getvalue()
    assert "refused ***" in out.getvalue()


def test_google_libraries_keep_their_lines_on_our_handler(served: io.StringIO) -> None:
    """google-api-core's logging setup leaves the configured "google" logger propagating, so
    a google.cloud line is written, redacted, by dcaas's handler."""
    client_logging.setup_logging("")  # what the first Google client does
    assert logging.getLogger("google").propagate
    logging.getLogger("google.cloud.storage").warning("refresh_token=%s", NAMED)
    assert "google.cloud.storage" in served.getvalue()
    assert NAMED not in served.getvalue()
