"""No process of a test run outlives it: the session's mark finds every process the
run started, however it was started, and a session that leaves one behind fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from harness import REPO
from harness.reaping import (
    COMMAND_MARK,
    kill_command,
    marked,
    marked_env,
    new_mark,
)

# Starts a grandchild in a session of its own and returns at once, as `pulumi` starts
# its plugins: the grandchild is nobody's child the test could wait for.
SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]
DETACHING = [
    sys.executable,
    "-c",
    f"import subprocess, time; subprocess.Popen({SLEEPER!r}, start_new_session=True); "
    "time.sleep(120)",
]


def test_a_killed_command_leaves_nothing_it_started():
    env, mark = marked_env(dict(os.environ))
    command = subprocess.Popen(DETACHING, env=env)
    deadline = time.monotonic() + 30
    while len(marked(COMMAND_MARK, mark)) < 2:  # the command and its detached child
        assert command.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    killed = kill_command(command, mark)
    assert len(killed) == 1 and "time.sleep(120)" in killed[0]
    assert marked(COMMAND_MARK, mark) == []


def test_a_session_that_leaves_a_process_behind_fails(tmp_path):
    conftest = (REPO / "tests" / "conftest.py").read_text()
    assert "EXIT_GRACE_S = 10.0" in conftest
    (tmp_path / "conftest.py").write_text(
        conftest.replace("EXIT_GRACE_S = 10.0", "EXIT_GRACE_S = 1.0")
    )
    token = f"leaked-{new_mark()}"
    leaked = [sys.executable, "-c", f"import time; time.sleep(120)  # {token}"]
    (tmp_path / "test_leak.py").write_text(
        textwrap.dedent(
            f"""
            import subprocess

            def test_starts_a_server_and_forgets_it():
                subprocess.Popen({leaked!r}, start_new_session=True)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0, done.stdout
    assert "outlived it (killed now)" in done.stdout and token in done.stdout
    assert _running(token) == []  # and the session killed it


def _running(token: str) -> list[str]:
    """The command lines of live processes that mention `token`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                text = cmdline.read().decode(errors="replace")
        except OSError:
            continue
        if token in text and int(pid) != os.getpid():
            found.append(text)
    return found
