"""The tests that name non-loopback addresses, run again in a network namespace with only loopback:
had the guard let a connection through, it could not have left this machine."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.security
ROOT = Path(__file__).resolve().parents[2]
GUARDED = [
    "tests/fetcher/test_network_guard.py",
    "tests/security/test_ssrf.py",
    "tests/fetcher/test_conditional_get.py",
    "tests/fetcher/test_faults.py::test_redirect_to_a_private_address_is_refused_before_connecting",
    "tests/newswire/test_run_once.py::test_run_once_fails_only_when_no_feed_could_be_polled",
]


def _can_unshare() -> str | None:
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "unshare or ip (iproute2) not installed"
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"unshare -n not permitted here: {probe.stderr.strip()}"
    return None


@pytest.mark.skipif(_can_unshare() is not None, reason=str(_can_unshare()))
def test_guard_tests_pass_with_no_network_but_loopback() -> None:
    inner = f"ip link set lo up && exec {sys.executable} -m pytest -q -p no:cacheprovider {' '.join(GUARDED)}"
    result = subprocess.run(
        ["unshare", "-n", "sh", "-c", inner],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "skipped" not in result.stdout
