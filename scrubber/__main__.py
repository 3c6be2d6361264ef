"""``python -m scrubber`` is the same as the ``scrubber`` command."""

from scrubber.cli import main

raise SystemExit(main())
