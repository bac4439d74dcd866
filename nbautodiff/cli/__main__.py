"""``python -m nbautodiff.cli``: the ``nbautodiff`` command."""

import sys

from . import main

sys.exit(main())
