"""Meeting settings (`meeting_setting`): one JSON value per meeting and key."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hub.storage.database import Database
from hub.storage.helpers import upsert_sql

_COLUMNS = ("meeting_id", "name", "value_json", "updated_at")


async def stored_settings(db: Database, meeting_id: int) -> dict[str, Any]:
    """The keys this meeting has set, with their values (keys never set are absent)."""
    rows = await db.fetchall(
        "SELECT name, value_json FROM meeting_setting WHERE meeting_id = ?", (meeting_id,)
    )
    return {str(r["name"]): json.loads(str(r["value_json"])) for r in rows}


async def store_settings(
    db: Database, meeting_id: int, values: Mapping[str, Any], now: float
) -> None:
    """Write `values` (already validated) in one statement; other keys keep theirs."""
    if not values:
        return
    sql = upsert_sql(db.dialect, "meeting_setting", _COLUMNS, ("meeting_id", "name"), len(values))
    params: list[Any] = []
    for name, value in values.items():
        params += [meeting_id, name, json.dumps(value, ensure_ascii=False), now]
    await db.execute(sql, params)
