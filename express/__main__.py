"""``python -m express`` is the ``express`` command."""

import sys

from express.cli import main

sys.exit(main())
