"""Secret stack-config values encrypted here, as the CLI's passphrase secrets manager
encrypts them, so that many can be written into a test stack's file at once.

`pulumi config set --secret` takes one value per call (on stdin: ~0.5 s each), and
`pulumi config set-all --secret k=v` takes them on its command line, which every
process on the machine can read (`/proc/<pid>/cmdline`). A test stack of hundreds of
throwaway grants needs neither: the stack file's `encryptionsalt` and the passphrase
give the key, and each value is sealed with AES-256-GCM under a fresh nonce, in the
format the CLI reads back (`v1:<nonce>:<ciphertext>`, base64; the key is PBKDF2-SHA256
of the passphrase, 1,000,000 rounds: `sdk/go/common/resource/config/crypt.go`).
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ROUNDS = 1_000_000
KEY_BYTES = 32
NONCE_BYTES = 12


class Sealer:
    """Seals values for the stack whose file holds `encryption_salt`."""

    def __init__(self, passphrase: str, encryption_salt: str) -> None:
        # `v1:<salt>:<the salt's own check value>`: the salt is the second part.
        version, salt, *_check = encryption_salt.split(":")
        if version != "v1":
            raise ValueError(f"unknown encryptionsalt version {version!r}")
        key = hashlib.pbkdf2_hmac(
            "sha256", passphrase.encode(), base64.b64decode(salt), ROUNDS, KEY_BYTES
        )
        self._aead = AESGCM(key)

    def seal(self, value: str) -> dict[str, str]:
        """The value as the stack file stores a secret: `{secure: v1:…}`."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode(), None)
        encoded = ":".join(base64.b64encode(part).decode() for part in (nonce, sealed))
        return {"secure": f"v1:{encoded}"}


@cache
def sealer_for(passphrase: str, encryption_salt: str) -> Sealer:
    """One `Sealer` (one key derivation, ~0.3 s) per passphrase and salt in a process."""
    return Sealer(passphrase, encryption_salt)
