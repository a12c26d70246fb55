"""HTTP routes: the platform API, the consent pages, and the emulator's own controls."""
