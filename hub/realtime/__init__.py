"""Realtime: the websocket hub, chat frames and the events published to meeting rooms."""
