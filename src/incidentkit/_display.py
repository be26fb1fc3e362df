"""One dispatch point for notebook HTML, so that low layers never import render.

Jupyter shows an object through its ``_repr_html_`` method. The classes it
shows live in low layers (the checks' :class:`~incidentkit.checks.findings.Findings`
list, for one), while their markup lives in :mod:`incidentkit.render.html`, a
higher layer that imports them. Instead of importing upwards, such a class
returns ``html(self)`` from its ``_repr_html_``, and the render layer registers
a renderer for it::

    @_display.html.register(Findings)
    def _findings_fragment(findings: Findings) -> str:
        return findings_html(findings)

``import incidentkit`` imports the render layer, so every registration is in
place as soon as the package is.
"""

from __future__ import annotations

import functools

__all__ = ["html", "text"]


@functools.singledispatch
def html(obj: object) -> str:
    """The HTML fragment that shows ``obj`` in a notebook.

    Renderers are registered per class with ``html.register(cls)``; the one
    of the nearest base class applies.

    Raises:
        TypeError: When no renderer is registered for the object's class.

    Example:
        >>> html(object())
        Traceback (most recent call last):
        ...
        TypeError: no HTML rendering is registered for builtins.object; ...
    """
    kind = type(obj)
    raise TypeError(
        f"no HTML rendering is registered for {kind.__module__}.{kind.__qualname__}; "
        "renderers are registered by importing incidentkit.render"
    )


@functools.singledispatch
def text(obj: object) -> str:
    """The plain-text rendering of ``obj`` (``__str__`` of results).

    Registered per class by the render layer, like :func:`html`.

    Raises:
        TypeError: When no renderer is registered for the object's class.
    """
    kind = type(obj)
    raise TypeError(
        f"no text rendering is registered for {kind.__module__}.{kind.__qualname__}; "
        "renderers are registered by importing incidentkit.render"
    )
