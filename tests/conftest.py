"""Shared fixtures and the hypothesis profiles.

``HYPOTHESIS_PROFILE=long`` runs the property tests for much longer locally;
CI uses the bounded default.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=5_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EXAMPLE_PATH = REPO / "src" / "incidentkit" / "example.json"
STATUSPAGE_CORPUS = SHARED / "corpora" / "statuspage-github"


@pytest.fixture
def example_doc() -> dict[str, Any]:
    """The canonical example as a fresh JSON dict, free to modify."""
    doc: dict[str, Any] = json.loads(EXAMPLE_PATH.read_text(encoding="utf-8"))
    return doc
