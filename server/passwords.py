"""Password hashing: argon2id at the cost the OWASP Password Storage Cheat Sheet recommends."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

#: OWASP's argon2id configuration: 19 MiB of memory, 2 passes, 1 lane
MEMORY_COST_KIB = 19456
TIME_COST = 2
PARALLELISM = 1
HASH_LENGTH = 32
SALT_LENGTH = 16


class Argon2PasswordHasher:
    """The :class:`tours.accounts.PasswordHasher` of Flaneur, backed by argon2-cffi."""

    def __init__(
        self,
        memory_cost: int = MEMORY_COST_KIB,
        time_cost: int = TIME_COST,
        parallelism: int = PARALLELISM,
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism,
            hash_len=HASH_LENGTH, salt_len=SALT_LENGTH, type=Type.ID,
        )

    def hash(self, password: str) -> str:
        """A new argon2id PHC string for ``password``."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """True on a match; False on a mismatch or a hash that is not argon2 at all."""
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
