"""``python -m typorisk``."""

import sys

from typorisk.cli import main

sys.exit(main())
