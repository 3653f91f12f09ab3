"""Declarative base, constraint naming convention and portable column types."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

from mobile_service import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key for big tables.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


def CollatedKey(length: int) -> String:
    """A string column compared bytewise, so prefix ranges use the B-tree index on PostgreSQL."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def now() -> dt.datetime:
    """Column default: the service clock, looked up at call time so tests can patch it."""
    return clock.utcnow()


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on both engines (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Base class of every model; carries the constraint naming convention for Alembic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
