"""nbval runs each lesson in a kernel of its own: from a checkout, that kernel imports this checkout's nbautodiff
(the code the stored outputs are checked against), not another copy installed in the environment, as
tools/build_notebooks.py and ``nbautodiff run`` do."""

import os
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
os.environ["PYTHONPATH"] = os.pathsep.join([ROOT, *filter(None, [os.environ.get("PYTHONPATH")])])
