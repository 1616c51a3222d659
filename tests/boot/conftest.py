import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BUILD  # noqa: E402


def pytest_sessionstart(session):
    if not os.path.exists(os.path.join(BUILD, "BOOTX64.EFI")):
        pytest.exit("build/BOOTX64.EFI missing: run 'make' first", returncode=2)
