"""The Cloud Elements side: the one HTTP client and its errors, the redactor that keeps
secrets out of every message, the provider settings, and what one provider process
shares across the engine's steps (the session and its per-run inventory)."""
