"""Sphinx configuration: MyST Markdown pages, furo theme, autodoc API pages."""

from __future__ import annotations

import incidentkit

project = "incidentkit"
author = "incidentkit developers"
copyright = "2026, incidentkit developers"
release = incidentkit.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True  # attrs fields are also members: avoid duplicates

# No network in CI: cross-references to the stdlib are written as plain text.
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}
nitpicky = False
suppress_warnings = ["myst.xref_missing"]

html_theme = "furo"
html_title = "incidentkit"
