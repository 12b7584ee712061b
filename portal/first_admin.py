"""`python -m portal.first_admin`: migrate, then create the first administrator of a real deployment.

Prints the password once, when the account is created (LINLI_ADMIN_PASSWORD, or a random one);
running it again changes nothing and prints no password."""

from __future__ import annotations

import sys

from sqlmodel import Session

from db.engine import DatabaseUnavailable, get_engine
from db.migrate import upgrade
from portal import auth
from portal.config import load_settings
from portal.errors import UserError
from portal.i18n import translate


def main() -> int:
    settings = load_settings()
    try:
        upgrade(settings.database_url)
    except DatabaseUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        with Session(get_engine(settings.database_url)) as session:
            created = auth.ensure_first_admin(session, settings.admin_password)
    except UserError as exc:
        text = translate("en", exc.message.msgid, **exc.message.params)
        print(f"LINLI_ADMIN_PASSWORD is not accepted: {text}", file=sys.stderr)
        return 2
    if created is None:
        print("An administrator account exists already; its password was not changed.")
        return 0
    username, password = created
    shown = "(from LINLI_ADMIN_PASSWORD)" if settings.admin_password else password
    print(
        "\n  First administrator created (shown only this once, write it down):\n"
        f"    username: {username}\n    password: {shown}\n"
        "  Change the password under 'My account' after the first login.\n",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
