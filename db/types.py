"""Reusable annotated column types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from sqlalchemy import BigInteger, DateTime, Text, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import mapped_column

bigint_pk = Annotated[int, mapped_column(BigInteger, primary_key=True)]
timestamptz = Annotated[datetime, mapped_column(DateTime(timezone=True))]
created_at = Annotated[
    datetime, mapped_column(DateTime(timezone=True), server_default=func.now())
]
updated_at = Annotated[
    datetime,
    mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now()),
]
text_list = Annotated[
    list[str], mapped_column(ARRAY(Text), server_default="{}")
]
