"""`python -m computer_use_demo`: see `cli/main.py`."""

import sys

from computer_use_demo.cli.main import main

sys.exit(main())
