"""`python -m portal.demo [--scale N]`: migrate, then seed the demo community."""

import sys

from portal.demo.seed import main

if __name__ == "__main__":  # importing the package's modules (e.g. the boundary test) seeds nothing
    sys.exit(main())
