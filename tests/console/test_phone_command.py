"""``ivr phone`` serves the page, prints its address, and opens nothing."""

from __future__ import annotations

import subprocess
import sys
import urllib.request


def test_ivr_phone_prints_the_address_of_a_working_page():
    process = subprocess.Popen(
        [sys.executable, "-m", "ivr.cli", "phone", "--port", "0", "--menu", "menus/wallet.yaml"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        first = process.stdout.readline().strip()
        assert first.startswith("Phone: http://127.0.0.1:") and first.endswith("/console/phone")
        address = first.removeprefix("Phone: ")
        with urllib.request.urlopen(address, timeout=30) as response:
            page = response.read().decode("utf-8")
        assert 'role="log"' in page and "menus/wallet.yaml" in page
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_ivr_phone_refuses_a_target_that_is_not_a_url():
    done = subprocess.run(
        [sys.executable, "-m", "ivr.cli", "phone", "ftp://nowhere", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "not an http(s) URL" in done.stderr
