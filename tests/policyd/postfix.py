"""A private Postfix instance for tests: config, queue and log in a temporary directory.

Only loopback, only a high port; remote transports discard, local ones error, so nothing is ever
delivered (and DATA is never sent).
The policy lines are the ones shipped in ``examples/policyd/`` (port numbers substituted), so
the test proves the example works.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policyd"
EXAMPLE_POLICY_ADDRESS = "inet:127.0.0.1:10040"
EXAMPLE_SERVICE = "submission inet"

BASE_MAIN = """\
compatibility_level = 3.6
queue_directory = {dir}/queue
data_directory = {dir}/data
maillog_file = {dir}/maillog
maillog_file_prefixes = {dir}
mail_owner = postfix
setgid_group = postdrop
myhostname = typorisk-test.invalid
mydomain = typorisk-test.invalid
myorigin = $myhostname
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
default_transport = discard:typorisk test instance, nothing is delivered
relay_transport = discard:typorisk test instance, nothing is delivered
local_transport = error:typorisk test instance: no delivery
smtpd_banner = $myhostname ESMTP typorisk-test
smtpd_policy_service_max_idle = 30s
biff = no
"""

BASE_MASTER = """\
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def require_postfix() -> str:
    """Path of the ``postfix`` command; fails under CI when missing, else skips."""
    binary = shutil.which("postfix") or ("/usr/sbin/postfix" * os.path.exists("/usr/sbin/postfix"))
    if binary and os.geteuid() == 0:
        return binary
    reason = "postfix is not installed (bash .ci/install-mail.sh)" if not binary else "needs root"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the real Postfix test")
    pytest.skip(reason)


def example_main(policy_port: int) -> str:
    """``examples/policyd/main.cf`` with the policy service moved to ``policy_port``."""
    text = (EXAMPLES / "main.cf").read_text()
    assert EXAMPLE_POLICY_ADDRESS in text
    return text.replace(EXAMPLE_POLICY_ADDRESS, f"inet:127.0.0.1:{policy_port}")


def example_master(smtp_port: int) -> str:
    """``examples/policyd/master.cf`` with the submission service moved to ``smtp_port``."""
    text = (EXAMPLES / "master.cf").read_text()
    assert text.count(EXAMPLE_SERVICE) == 1
    return text.replace(EXAMPLE_SERVICE, f"127.0.0.1:{smtp_port} inet")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_banner(port: int, deadline: float = 20.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as s:
            s.settimeout(5)
            if s.recv(512).startswith(b"220"):
                return
        time.sleep(0.1)
    raise RuntimeError(f"postfix did not answer on 127.0.0.1:{port}")


@contextlib.contextmanager
def postfix(smtp_port: int, policy_port: int) -> Iterator[Path]:
    """Run Postfix from a private config directory; yields its mail log path.

    The directory is made under /tmp with mode 0755 (not pytest's 0700 tmp_path): Postfix
    opens its data directory as the ``postfix`` user.
    """
    binary = require_postfix()
    directory = Path(tempfile.mkdtemp(prefix="typorisk-postfix-"))
    directory.chmod(0o755)
    try:
        with _running(binary, directory, smtp_port, policy_port) as log:
            yield log
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def _running(binary: str, directory: Path, smtp_port: int, policy_port: int) -> Iterator[Path]:
    conf = directory / "etc"
    conf.mkdir()
    (directory / "data").mkdir()
    (directory / "queue").mkdir()
    (conf / "main.cf").write_text(BASE_MAIN.format(dir=directory) + example_main(policy_port))
    (conf / "master.cf").write_text(BASE_MASTER + example_master(smtp_port))
    shutil.chown(directory / "data", "postfix")
    started = subprocess.run(
        [binary, "-c", str(conf), "start"], capture_output=True, text=True, check=False
    )
    if started.returncode != 0:
        raise RuntimeError(
            f"postfix start failed ({started.stdout}{started.stderr}); Postfix logs early errors "
            f"to syslog only: run `script -qc 'postfix -c {conf} start' /dev/null` to see them"
        )
    pid = None
    try:
        pid = master_pid(directory)
        wait_for_banner(smtp_port)
        yield directory / "maillog"
    finally:
        subprocess.run([binary, "-c", str(conf), "stop"], capture_output=True, check=False)
        if pid is not None:
            wait_gone(pid)


def master_pid(directory: Path, timeout: float = 10.0) -> int:
    """The PID of the master this instance forked, from its pidfile (``queue/pid/master.pid``)."""
    pidfile = directory / "queue" / "pid" / "master.pid"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            return int(pidfile.read_text().strip())
        time.sleep(0.05)
    raise RuntimeError(f"postfix wrote no {pidfile}")


def wait_gone(pid: int, timeout: float = 10.0) -> None:
    """Wait until ``pid`` (this instance's master) has exited; SIGKILL it after ``timeout``
    seconds. The master stops its own children (smtpd, qmgr...) when it gets SIGTERM."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
