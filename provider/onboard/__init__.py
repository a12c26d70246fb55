"""`python -m provider.onboard`: connect a QuickBooks company to an instance of a stack.

Operator tooling, apart from the runtime the engine loads: `command` (the CLI and
its flow), `consent` (the Cloud Elements OAuth calls), `callback` (the localhost
listener for the browser's redirect), `stack` (reading and writing the stack
config through the `pulumi` CLI), `errors`.
"""

from .command import Options, closing_message, main, onboard

__all__ = ["Options", "closing_message", "main", "onboard"]
