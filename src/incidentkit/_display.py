"""How results render, without the results' modules importing the renderers.

Result classes live in low layers (records, figures, checks, table) and the
renderers in a high one (:mod:`incidentkit.render`). A result's
``_repr_html_`` or ``__str__`` calls :func:`html` or :func:`text` here; the
render layer registers an implementation per class with
``@html.register(SomeResult)``. ``import incidentkit`` imports the render
layer, so the registrations are in place whenever a result exists.
"""

from __future__ import annotations

import functools

__all__ = ["html", "text"]


@functools.singledispatch
def html(value: object) -> str:
    """The notebook HTML of a result (registered by :mod:`incidentkit.render`)."""
    raise TypeError(f"no HTML rendering is registered for {type(value).__name__}")


@functools.singledispatch
def text(value: object) -> str:
    """The plain-text rendering of a result (registered by the render layer)."""
    raise TypeError(f"no text rendering is registered for {type(value).__name__}")
