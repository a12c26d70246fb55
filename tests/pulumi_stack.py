"""Moved to `harness.pulumi_stack`; kept so branches written against the old path still
import."""

from harness.pulumi_stack import PASSPHRASE, REPO, PulumiStack, pulumi_bin_dir  # noqa: F401
