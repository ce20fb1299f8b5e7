"""Meetings: number allocation, access rules, QR codes (routes live in hub.web.meetings)."""
