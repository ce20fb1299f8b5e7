"""HTTP handlers by audience, plus the error middleware and request validation helpers."""
