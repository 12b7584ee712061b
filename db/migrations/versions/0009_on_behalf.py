"""on behalf

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 11:15:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import db.types


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
