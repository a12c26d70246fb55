"""What loading the provider costs every process that does it.

The program (to declare resources) and the dynamic-provider host (on its first
call) import `provider` in every `pulumi` command, on the critical path; see
bench/RESULTS.md. Libraries only some calls need are imported when first used.
"""

import subprocess
import sys

import pytest

from harness import REPO


@pytest.mark.parametrize("heavy", ["requests", "urllib3", "deepdiff"])
def test_importing_the_provider_does_not_load(heavy):
    code = f"import sys, provider; sys.exit({heavy!r} in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


def test_the_first_http_call_loads_the_client():
    code = (
        "import sys\n"
        "from provider.lifecycle import QuickBooksInstanceProvider\n"
        "from harness.accounts import configured_provider\n"
        "p = configured_provider({'quickbooks:baseUrl': 'http://127.0.0.1:9/x',"
        " 'quickbooks:userSecret': 'u', 'quickbooks:organizationSecret': 'o'})\n"
        # Not loaded before the first call, or the check below proves nothing.
        "assert 'requests' not in sys.modules\n"
        "p.client()\n"
        "sys.exit('requests' not in sys.modules)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0
