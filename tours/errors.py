"""Domain errors. Messages are marked with ``N_`` and translated at the edge (``server/``)."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the conventional name Babel extracts
    """Mark ``message`` for translation without translating it here."""
    return message


class DomainError(Exception):
    """Base of all domain errors: a translatable message plus its parameters."""

    message: str = N_("The request could not be carried out.")

    def __init__(self, message: str | None = None, **params: object) -> None:
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(self.message % params if params else self.message)


class NotFound(DomainError):
    message = N_("Not found.")


class Forbidden(DomainError):
    """The account may not do this to this object (another owner's shop)."""

    message = N_("Your account may not do this.")


class Conflict(DomainError):
    message = N_("The data was changed by someone else.")


class InvalidInput(DomainError):
    message = N_("The input is not valid.")
