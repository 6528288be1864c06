"""The base of the package's value models: pydantic's checks, the library's errors.

Every value (``Range``, ``Period``, ``Claim``, ``Sources``, a relation) derives from
:class:`Model`, so a broken rule raises :class:`~estimates.errors.InvalidValueError` (a
``ValueError``) naming the field, the rule's code and what is allowed, never pydantic's own
error; an error of the library raised inside a check (a :class:`~estimates.errors.ParseError`
with its span, a :class:`~estimates.errors.DateError`, a :class:`~estimates.errors.UnitError`)
comes out as itself.

>>> class Point(Model):
...     x: float
>>> Point(x="far")
Traceback (most recent call last):
...
estimates.errors.InvalidValueError: invalid Point: x: Input should be a valid number, ...
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ValidationError

from estimates.errors import EstimatesError, InvalidValueError

__all__ = ["Model", "library_error"]


def library_error(exc: ValidationError, model: str) -> EstimatesError:
    """The library's error for pydantic's ``exc`` about a ``model``.

    A single problem caused by an error of the library (raised inside a validator) is that
    error itself; anything else is one :class:`InvalidValueError` listing every problem.
    """
    problems = exc.errors(include_url=False)
    if len(problems) == 1:
        cause = (problems[0].get("ctx") or {}).get("error")
        if isinstance(cause, EstimatesError):
            return cause
    listed = tuple(
        {
            "loc": tuple(p.get("loc", ())) or _field_of(p),
            "type": str(p.get("type", "invalid")),
            "msg": _message(p),
            "input": p.get("input"),
        }
        for p in problems
    )
    return InvalidValueError(model, listed)


def _field_of(problem: Any) -> tuple[str, ...]:
    # a rule of the whole value that names the field it is about (``negative_count``: low)
    field = (problem.get("ctx") or {}).get("field")
    return (field,) if isinstance(field, str) else ()


def _message(problem: Any) -> str:
    cause = (problem.get("ctx") or {}).get("error")
    if isinstance(cause, EstimatesError):
        return str(cause)
    return str(problem.get("msg", "invalid"))


class Model(BaseModel):
    """A pydantic model whose validation errors are the library's own."""

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise library_error(exc, type(self).__name__) from None

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        """Validate ``obj`` as this model; a broken rule raises :class:`InvalidValueError`."""
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as exc:
            raise library_error(exc, cls.__name__) from None

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            raise library_error(exc, type(self).__name__) from None
