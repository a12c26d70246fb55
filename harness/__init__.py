"""The test harness the test suites and the benchmark share (not a test package).

- `harness.accounts`: throwaway accounts, the QuickBooks app, provider config and grants;
- `harness.browser`: Debian's headless Chromium under playwright, and page screenshots;
- `harness.emulator`: an emulator whose stderr is scanned for secrets when it stops, a
  company of its own for every instance (`new_company`: one authorized instance per
  company), its instance tokens for the leak scan, and views of its request log;
- `harness.leaks`: the registry of every secret a run made, and the scan for them;
- `harness.pulumi_stack`: a throwaway copy of the project driven by the real `pulumi` CLI.

Fixtures built on these live in `tests/conftest.py`.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
