"""The application side of QuickBooks events: verify and parse what Cloud Elements delivers.

``receiver.signature`` is dependency-free (stdlib only) and meant to be copied
or imported by your own application. ``receiver.app`` is a reference receiver
(FastAPI) that the `local` stack's callback points at.
"""
