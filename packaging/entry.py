"""PyInstaller entry point: the same dispatch as the `contact-uploader` console script."""

import multiprocessing
import sys

from gui.launcher import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
