"""`python -m aksegress.cli ...`: the same as the `aksegress` command."""

import sys

from aksegress.cli import main

sys.exit(main())
