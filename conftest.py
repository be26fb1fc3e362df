"""The documentation's examples read docs/data/ from the repository root."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _docs_from_the_repository_root(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cookbook and the metrics page name docs/data/... as a reader
    # running them from a checkout would; pytest may have started elsewhere.
    if Path(str(request.node.path)).is_relative_to(ROOT / "docs"):
        monkeypatch.chdir(ROOT)
