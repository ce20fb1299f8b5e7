"""Start hub: `python run.py` serves on the embedded defaults; `--help` lists the subcommands."""

import sys

from hub.cli import main

if __name__ == "__main__":
    sys.exit(main())
