"""Package metadata and dependencies for hub."""

from setuptools import find_packages, setup

setup(
    name="hub",
    version="0.1.0",
    description="A realtime hub for WeChat: live-room mirror, WeCom meetings, live activities.",
    python_requires=">=3.11",
    packages=find_packages(include=["hub", "hub.*"]),
    package_data={"hub": ["storage/migrations/*/*.sql", "simulator/replay.webm"]},
    include_package_data=True,
    install_requires=[
        "aiohttp>=3.9,<4",
        "aiohttp-jinja2>=1.6",
        "Jinja2>=3.1",
        "aiohttp-session[secure]>=2.12",
        "cryptography>=41",
        "qrcode>=7.4",
        # qrcode's pure-Python PNG writer (no Pillow) needs it and does not require it itself.
        "pypng>=0.20220715",
        "aiomysql>=0.2",
        "aiosqlite>=0.19",
        "redis>=5.0",
        "prometheus-client>=0.19",
        "python-dotenv>=1.0",
        # The meeting workbook (GET .../export.xlsx, a sheet per activity): xlsx is a zip of
        # XML parts that Excel and WPS are strict about; a well-kept writer beats our own.
        "openpyxl>=3.1",
    ],
    extras_require={
        "test": [
            "pytest>=8",
            # The suite mostly waits (servers, browsers, timers): workers in parallel keep a
            # CI run under 20 minutes on 2 cores as it grows (scripts/test).
            "pytest-xdist>=3.5",
            "pytest-aiohttp>=1.0",
            "pytest-asyncio>=0.23",
            "hypothesis>=6.90",
            "playwright>=1.40",
            "mypy>=1.8",
            "ruff>=0.4",
            "types-qrcode",
            "types-openpyxl",
            # The layer contract in pyproject.toml (scripts/check): nothing imports upward.
            "import-linter>=2.1",
            # Runs the shipped Procfile as written (tests/test_deploy_procfile.py): the runner
            # docs/deploy.md names, whose stop-all-when-one-exits rule the Procfile must respect.
            "honcho>=2.0",
        ],
        # The websocket bench drives 1,000+ clients from two worker processes; uvloop halves
        # their CPU cost, so the 2-core machine measures the server rather than the clients.
        "bench": ["uvloop>=0.19"],
    },
)
