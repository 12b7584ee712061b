"""Imports every table module so SQLModel.metadata knows the whole schema (Alembic, tests).

One module of tables per capability; add yours here.
"""

import db.models  # noqa: F401  foundation: grids, departments, accounts, login
import db.models_assessment  # noqa: F401  two-way assessment, the efficacy survey (AHP)
import db.models_behalf  # noqa: F401  acting on behalf (代办): consents and actions under them
import db.models_circles  # noqa: F401  topic circles: circles, members, posts, replies
import db.models_cockpit  # noqa: F401  cockpit: devices, alarms, notices, messages
import db.models_council  # noqa: F401  grid–resident–merchant council
import db.models_council_extras  # noqa: F401  council: items' own options, attachments
import db.models_deputies  # noqa: F401  deputies' desk: deputies, reception slots, requests
import db.models_microprojects  # noqa: F401  co-funded micro-projects: pledges, matching, 公示
import db.models_notifications  # noqa: F401  notifications: outbox, deliveries, settings
import db.models_points  # noqa: F401  points ledger, tasks, rewards
import db.models_reach  # noqa: F401  HTTP and MQTT face: api keys, dead letters, heartbeats
import db.models_reports  # noqa: F401  snap-a-report
import db.models_reviews  # noqa: F401  community review of the interface's translations
import db.models_translations  # noqa: F401  translations of wishes, reports and proposals
import db.models_venues  # noqa: F401  shared venues: places, opening windows, bookings, cells
import db.models_verification  # noqa: F401  residents confirmed by a grid worker
import db.models_voice  # noqa: F401  read-aloud: recorded clips, auto read-aloud setting
import db.models_voice_notes  # noqa: F401  voice notes on wishes, proposals and task proofs
import db.models_wishes  # noqa: F401  wish wall
