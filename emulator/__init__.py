"""A local emulator of the Cloud Elements ``/elements/api-v2`` instances API.

Run it with ``python -m emulator --port 0``; drive it from tests with
:mod:`harness.emulator` (the test harness, outside this package).
"""
