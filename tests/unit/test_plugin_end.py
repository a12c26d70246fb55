"""How the plugin ends: the engine sends it SIGINT at the end of every command and
waits for it to exit (`provider/plugin/startup.py`)."""

import signal
import subprocess
import sys

import grpc

from harness import REPO


def test_the_plugin_ends_on_sigint_at_once_and_quietly():
    """It stops serving and exits 0 without the interpreter's teardown, which took
    ~0.07 s of every command and wrote gRPC's "Event loop is closed" noise."""
    plugin = subprocess.Popen(
        [sys.executable, "-m", "provider.plugin", "127.0.0.1:9"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        port = plugin.stdout.readline().strip().decode()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            try:  # any answer: the provider is loaded
                channel.unary_unary("/pulumirpc.ResourceProvider/CheckConfig")(b"", timeout=60)
            except grpc.RpcError:
                pass
        plugin.send_signal(signal.SIGINT)
        _, stderr = plugin.communicate(timeout=30)
    finally:
        plugin.kill()
        plugin.wait()
    assert plugin.returncode == 0
    assert stderr.decode() == ""
