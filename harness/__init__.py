"""The test harness the test suites and the benchmark share (not a test package).

- `harness.process`: a server subprocess started, waited for (`listening on`) and stopped;
- `harness.controls`: the client of a started emulator: its API, its `/_emulator` test
  controls, OAuth consent;
- `harness.consent`: the emulator's consent page driven over HTTP as a browser would;
- `harness.emulator`: the emulator started (`start_emulator`), one whose stderr is scanned
  for secrets when it stops, its instance tokens included (`watched_emulator`), and views
  of its request log;
- `harness.companies`: a QuickBooks company of its own for every instance (one authorized
  instance per company);
- `harness.receiver`: the reference events receiver started, and what it received;
- `harness.accounts`: throwaway accounts, the QuickBooks app, provider config and grants;
- `harness.browser`: Debian's headless Chromium under playwright, and page screenshots;
- `harness.stub_server`: a stand-in HTTP server in a thread, for answers the emulator
  never gives;
- `harness.leaks`: the registry of every secret a run made, and the scan for them;
- `harness.pulumi_stack`: a throwaway copy of the project driven by the real `pulumi` CLI.

The product (`provider/`, `emulator/`, `receiver/`) never imports it
(`tests/unit/test_layout.py` holds that).

Fixtures built on these live in `tests/conftest.py`.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
