"""Shared test fixtures: where the real data lives, and the rule that CI must have it."""
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Root of the real sequences and published results (../shared/data).

    Missing: skipped with a reason for a user without it; a failure when ``CI`` is set, since CI must run the
    real-data tests.
    """
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the real data is missing at {SHARED_DATA}")
        pytest.skip(f"real data not found at {SHARED_DATA} (set SHARED_DATA to its path)")
    return SHARED_DATA
