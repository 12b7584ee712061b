"""Database layer: SQLModel tables, engine factory, Alembic migrations, demo seed."""
