"""Stored county baselines of the team indicators: computed once per data load and day."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mobile_service.models.base import Base, UTCDateTime, now


class IndicatorBaseline(Base):
    """The indicators over the county's active foster youth, as of one day and one set of loads.

    ``data_stamp`` hashes the sources' freshness stamps and the indicator definitions, so a new
    load (or a new indicator) makes a new row and old rows are simply never read again.
    ``figures`` holds counts only: ``{indicator key: [numerator, denominator]}``.
    """

    __tablename__ = "indicator_baselines"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    data_stamp: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    students: Mapped[int] = mapped_column(Integer)
    figures: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("as_of", "data_stamp"),)
