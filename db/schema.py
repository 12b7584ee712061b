"""Imports every table module so SQLModel.metadata knows the whole schema (Alembic, tests).

One module of tables per capability; add yours here.
"""

import db.models  # noqa: F401  foundation: grids, departments, accounts, login
