"""``python -m incidentkit``: the same command as ``incidentkit``."""

from __future__ import annotations

import sys

from incidentkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
