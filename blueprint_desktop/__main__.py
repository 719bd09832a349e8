"""``python -m blueprint_desktop [PROJECT]`` opens the desktop window (the demo project when none is named)."""

import sys

from blueprint_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main(["gui", *sys.argv[1:]]))
