"""`python -m salesmap` is the same as the `salesmap` command."""

import sys

from salesmap.cli import main

sys.exit(main())
