import sys
from pathlib import Path

# Let the tests run without installing the package (pip install -e tools/demotown also works).
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
