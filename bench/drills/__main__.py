"""``python -m bench.drills``: see ``bench.drills.run``."""
import sys

from bench.drills.run import main

sys.exit(main())
