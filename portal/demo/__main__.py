"""`python -m portal.demo [--scale N]`: migrate, then seed the demo community."""

import sys

from portal.demo.seed import main

sys.exit(main())
