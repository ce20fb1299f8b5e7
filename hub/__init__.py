"""hub: a realtime hub for the WeChat ecosystem."""

__version__ = "0.1.0"
