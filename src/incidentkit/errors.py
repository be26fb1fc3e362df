"""The one exception type that bad input raises."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ValidationError"]

#: A message listing thousands of problems helps nobody; ``.errors`` keeps all.
_MAX_LISTED = 20


class ValidationError(ValueError):
    """Input that does not make a valid incident record, or a bad argument.

    Every problem found is listed in :attr:`errors` as a
    ``"path: what is wrong (the bad value)"`` string, where the path locates
    the value in the document (``events[3].timestamp``) or names the
    parameter.

    Example:
        >>> import incidentkit as ik
        >>> try:
        ...     ik.from_dict({"incident": {"id": "INC-1"}})
        ... except ik.ValidationError as exc:
        ...     print(exc.errors[0])
        incident.title: required field is missing
    """

    errors: list[str]

    def __init__(self, errors: Iterable[str], *, source: str | None = None) -> None:
        """Build the error from its ``path: message`` strings.

        Args:
            errors: One string per problem.
            source: Where the document came from (a file name, ``file:line``),
                prefixed to every error so that it stays located when many
                documents are loaded at once.
        """
        listed = list(errors) or ["invalid input"]
        if source is not None:
            listed = [f"{source}: {error}" for error in listed]
        self.errors = listed
        self.source = source
        shown = listed[:_MAX_LISTED]
        more = len(listed) - len(shown)
        lines = "\n".join(f"  {error}" for error in shown)
        if more:
            lines += f"\n  ... and {more} more"
        noun = "problem" if len(listed) == 1 else "problems"
        super().__init__(f"{len(listed)} {noun}:\n{lines}")

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling must rebuild from the errors, not from the formatted message,
        # so that errors cross process pools (multiprocessing) intact.
        # The errors already carry the source as a prefix: it is restored as
        # the attribute, not passed again (which would prefix them twice).
        return (_rebuild, (self.errors, self.source))


def _rebuild(errors: list[str], source: str | None = None) -> ValidationError:
    error = ValidationError(errors)
    error.source = source
    return error
