"""Live meeting activities (poll, lottery, rating, red packet): state as JSON and ordered pushes."""

from __future__ import annotations

from hub.meetings.activities.state import activities_json

__all__ = ["activities_json"]
