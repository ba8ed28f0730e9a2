import sys

from qisim.cli import main

sys.exit(main())
