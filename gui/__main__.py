"""``python -m gui``: open the window (CLI subcommands are passed on to the command line tool)."""

from gui.launcher import main

raise SystemExit(main())
