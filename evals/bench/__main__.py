"""``python -m evals.bench worker SPEC`` and ``python -m evals.bench markdown JSON``."""

import sys

from .command import main

sys.exit(main())
