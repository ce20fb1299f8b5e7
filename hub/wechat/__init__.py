"""Typed async clients for the WeChat mini-program and WeCom APIs, and their token keepers."""
