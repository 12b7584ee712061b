"""reach http (placeholder so parallel work keeps one linear chain)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 04:30:00
"""

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
