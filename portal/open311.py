"""Open311 GeoReport v2, live (the protocol, without the web server): services, service
definitions, service requests (GET with filters and pages, by id), POST of a new request with an
api key, tokens. Behaviour follows the spec (wiki.open311.org/GeoReport_v2) as FixMyStreet's
server reads it: errors are a list of {code, description}; 400 bad request, 403 api key, 404 not
found, 429 too many requests.

- Privacy: every request is shown through reports.queries.public_view (no names, no description,
  the place rounded to about 10 m), exactly as on the public list and the open data.
- POST creates a real report with reports.submit (dispatched by grid like any other). It is filed
  in the name of the staff member who issued the key (the key's owner answers for its partner);
  the partner and the token are kept in partner_request, written in the same transaction.
  Personal fields (email, first_name, last_name, phone, device_id) are not stored; media_url is
  not fetched.
- Refused POSTs are kept as dead letters (source open311) for staff.
"""

from __future__ import annotations

import json
import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from sqlmodel import Session, col, select

from db.models import Grid
from db.models_reach import ApiKey, PartnerRequest
from db.models_reports import Report, ReportCategory
from db.types import row_id, utcnow
from portal import dead_letters, reports
from portal.api_keys import ApiRefusal
from portal.areas import OFFICE_KINDS, parents_of
from portal.errors import FieldErrors, Message
from portal.grids import GridIndex, locate, subtree
from portal.i18n import DEFAULT_LANGUAGE, N_, translate
from portal.media import MediaStore
from portal.reports.queries import (
    OPEN311_MAX_PAGE,
    Open311Query,
    open311_requests,
    open311_services,
)

FORMATS = ("json", "xml")
MAX_BODY = 64_000
FIELD_NAMES = {
    "category": "service_code",
    "place": "lat, long",
    "description": "description",
}


class Open311Error(Exception):
    """One or more errors of a request, all with the same HTTP status."""

    def __init__(self, status: int, *messages: Message, fields: tuple[str, ...] = ()) -> None:
        super().__init__(", ".join(m.msgid for m in messages))
        self.status = status
        self.messages = messages
        self.fields = fields  # the request field each message is about, when there is one

    @classmethod
    def of(cls, status: int, msgid: str, **params: object) -> Open311Error:
        return cls(status, Message(msgid, params))

    @classmethod
    def from_refusal(cls, refusal: ApiRefusal) -> Open311Error:
        return cls(refusal.status, refusal.message)

    def errors(self) -> list[dict]:
        fields = self.fields or ("",) * len(self.messages)
        return [
            {
                "code": self.status,
                "description": (f"{field}: " if field else "")
                + translate("en", m.msgid, **m.params),
            }
            for field, m in zip(fields, self.messages, strict=True)
        ]


# --- rendering -------------------------------------------------------------------------------


def _xml_value(parent: ET.Element, name: str, value: object) -> None:
    child = ET.SubElement(parent, name)
    if isinstance(value, bool):
        child.text = "true" if value else "false"
    elif isinstance(value, list):
        for item in value:
            _xml_item(child, "value" if name == "values" else "attribute", item)
    elif value is not None:
        child.text = str(value)


def _xml_item(parent: ET.Element, name: str, item: dict) -> None:
    element = ET.SubElement(parent, name)
    for key, value in item.items():
        _xml_value(element, key, value)


def render(data: list[dict] | dict, fmt: str, root: str, item: str) -> tuple[bytes, str]:
    """(body, media type) of a list (or one object) in JSON, or in XML as <root><item>…</item>."""
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json"
    if isinstance(data, dict):
        element = ET.Element(root)
        for key, value in data.items():
            _xml_value(element, key, value)
    else:
        element = ET.Element(root)
        for entry in data:
            _xml_item(element, item, entry)
    body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return body, "text/xml; charset=utf-8"


def render_error(error: Open311Error, fmt: str) -> tuple[bytes, str]:
    return render(error.errors(), fmt if fmt in FORMATS else "json", "errors", "error")


def check_format(fmt: str) -> None:
    """404 for any ending but .json and .xml."""
    if fmt not in FORMATS:
        raise Open311Error.of(404, N_("Use the format .json or .xml."))


# --- services --------------------------------------------------------------------------------


def _jurisdiction(
    session: Session,
    params: Mapping[str, str],
    community: str,  # noqa: ARG001 - the routes' first community, every code is looked up
) -> frozenset[int] | None:
    """The grids of the jurisdiction asked for: jurisdiction_id is the code of a community (or of
    a street or district) of the deployment, and its answer holds that grid's reports only;
    without it, the whole deployment (None). `community`: the first community's code, kept as the
    jurisdiction of a one-community deployment. 404 for a code that is not one of them."""
    wanted = (params.get("jurisdiction_id") or "").strip()
    if not wanted:
        return None
    found = session.exec(
        select(Grid.id).where(col(Grid.code) == wanted, col(Grid.kind).in_(OFFICE_KINDS))
    ).first()
    if found is None:
        raise Open311Error.of(404, N_("Unknown jurisdiction_id {value}."), value=wanted[:40])
    return frozenset(subtree(parents_of(session), found))


def services(
    session: Session, params: Mapping[str, str], community: str, language: str = DEFAULT_LANGUAGE
) -> list[dict]:
    _jurisdiction(session, params, community)
    return open311_services(session, language)


def service_definition(
    session: Session, code: str, params: Mapping[str, str], community: str
) -> dict:
    """The definition of one service: no extra attributes (every service has metadata false)."""
    _jurisdiction(session, params, community)
    found = session.exec(
        select(ReportCategory.code).where(ReportCategory.code == code, ReportCategory.active)
    ).first()
    if found is None:
        raise Open311Error.of(404, N_("Unknown service_code {value}."), value=code[:40])
    return {"service_code": found, "attributes": []}


# --- reading requests ------------------------------------------------------------------------


def _datetime(name: str, raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise Open311Error.of(
            400,
            N_("{name} must be a W3C date and time, e.g. 2026-11-02T08:30:00+08:00."),
            name=name,
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _whole(name: str, raw: str | None, default: int, top: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= top:
        raise Open311Error.of(
            400, N_("{name} must be a whole number from 1 to {n}."), name=name, n=top
        )
    return int(raw)


def _ids(raw: str) -> tuple[int, ...]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts or not all(p.isdigit() and len(p) < 12 for p in parts) or len(parts) > 1000:
        raise Open311Error.of(
            400, N_("service_request_id must be one or more numbers separated by commas.")
        )
    return tuple(int(p) for p in parts)


def parse_query(params: Mapping[str, str]) -> Open311Query:
    """The GET requests filters; 400 for any that cannot be read."""
    status = (params.get("status") or "").strip().lower() or None
    if status not in (None, "open", "closed"):
        raise Open311Error.of(400, N_("status must be open or closed."))
    start = _datetime("start_date", params.get("start_date"))
    end = _datetime("end_date", params.get("end_date"))
    if start and end and end < start:
        raise Open311Error.of(400, N_("end_date is before start_date."))
    codes = tuple(c.strip() for c in (params.get("service_code") or "").split(",") if c.strip())
    raw_ids = (params.get("service_request_id") or "").strip()
    return Open311Query(
        ids=_ids(raw_ids) if raw_ids else (),
        service_codes=codes,
        start=start,
        end=end,
        status=status,
        page=_whole("page", params.get("page"), 1, 1_000_000),
        page_size=_whole("page_size", params.get("page_size"), 100, OPEN311_MAX_PAGE),
    )


def service_requests(
    session: Session,
    params: Mapping[str, str],
    community: str,
    *,
    now: datetime | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> list[dict]:
    grids = _jurisdiction(session, params, community)
    query = replace(parse_query(params), grids=grids)
    return open311_requests(session, now=now, language=language, query=query)


def service_request(
    session: Session,
    request_id: str,
    params: Mapping[str, str],
    community: str,
    *,
    now: datetime | None = None,
) -> list[dict]:
    """The one request, as a list of one (the spec's shape); 404 unless it is public."""
    grids = _jurisdiction(session, params, community)
    if not request_id.isdigit() or len(request_id) > 11:
        raise Open311Error.of(404, N_("No service request {value}."), value=request_id[:20])
    one = Open311Query(ids=(int(request_id),), grids=grids)
    found = open311_requests(session, now=now, query=one)
    if not found:
        raise Open311Error.of(404, N_("No service request {value}."), value=request_id)
    return found


def token(session: Session, value: str, params: Mapping[str, str], community: str) -> list[dict]:
    _jurisdiction(session, params, community)
    found = session.exec(
        select(PartnerRequest.report_id).where(PartnerRequest.token == value[:40])
    ).first()
    if found is None:
        raise Open311Error.of(404, N_("No token {value}."), value=value[:40])
    return [{"service_request_id": str(found), "token": value}]


# --- posting a request -----------------------------------------------------------------------


def parse_body(content_type: str, body: bytes) -> dict[str, str]:
    """The fields of a POST: form-encoded (the spec), or JSON, or XML. 400 when unreadable."""
    if len(body) > MAX_BODY:
        raise Open311Error.of(400, N_("The request is too large (at most {n} bytes)."), n=MAX_BODY)
    kind = (content_type or "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Open311Error.of(400, N_("The request is not UTF-8 text.")) from None
    if kind == "application/json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise Open311Error.of(400, N_("The request is not valid JSON.")) from None
        if not isinstance(data, dict):
            raise Open311Error.of(400, N_("Send one JSON object of fields."))
        return {str(k): "" if v is None else str(v) for k, v in data.items()}
    if kind in ("application/xml", "text/xml"):
        try:
            root = ET.fromstring(text)
        except ET.ParseError:
            raise Open311Error.of(400, N_("The request is not valid XML.")) from None
        return {child.tag: (child.text or "").strip() for child in root}
    return dict(parse_qsl(text, keep_blank_values=True))


def _coordinate(fields: Mapping[str, str], name: str) -> float:
    raw = (fields.get(name) or "").strip()
    try:
        return float(raw)
    except ValueError:
        raise Open311Error.of(400, N_("lat and long are required, in decimal degrees.")) from None


def _category(session: Session, code: str) -> ReportCategory:
    category = session.exec(
        select(ReportCategory).where(ReportCategory.code == code, ReportCategory.active)
    ).first()
    if category is None:
        raise Open311Error.of(400, N_("Unknown service_code {value}."), value=code[:40])
    return category


def _create(
    session: Session,
    index: GridIndex,
    store: MediaStore,
    key: ApiKey,
    fields: Mapping[str, str],
    grids: frozenset[int] | None = None,
) -> list[dict]:
    category = _category(session, (fields.get("service_code") or "").strip())
    lat, lon = _coordinate(fields, "lat"), _coordinate(fields, "long")
    if grids is not None:  # a request sent to one community must lie in it
        placement = locate(session, index, lat, lon)
        if placement.inside and placement.grid_id() not in grids:
            raise Open311Error.of(
                400,
                N_("The place lies outside jurisdiction_id {value}."),
                value=(fields.get("jurisdiction_id") or "")[:40],
            )
    minted = secrets.token_urlsafe(18)

    def link(report: Report) -> None:
        session.add(
            PartnerRequest(
                report_id=row_id(report), api_key_id=row_id(key), token=minted, created_at=utcnow()
            )
        )

    try:
        report = reports.submit(
            session,
            index,
            store,
            reporter_id=key.issued_by,
            category_id=category.id,
            description=fields.get("description") or "",
            lat=lat,
            lon=lon,
            place_source="open311",
            with_report=link,
        )
    except FieldErrors as exc:
        raise Open311Error(
            400,
            *exc.errors.values(),
            fields=tuple(FIELD_NAMES.get(f, f) for f in exc.errors),
        ) from None
    partner = session.exec(
        select(PartnerRequest).where(PartnerRequest.report_id == report.id)
    ).first()
    if partner is None:  # the same request sent twice within moments: one report, one token
        link(report)
        session.commit()
        partner = session.exec(
            select(PartnerRequest).where(PartnerRequest.report_id == report.id)
        ).one()
    return [
        {
            "service_request_id": str(report.id),
            "token": partner.token,
            "service_notice": "",
            "account_id": None,
        }
    ]


def create_request(
    session: Session,
    index: GridIndex,
    store: MediaStore,
    key: ApiKey,
    fields: Mapping[str, str],
    community: str,
    *,
    path: str,
    raw: bytes,
) -> list[dict]:
    """A new service request from a partner's key; refusals are kept as dead letters."""
    try:
        grids = _jurisdiction(session, fields, community)
        return _create(session, index, store, key, fields, grids)
    except Open311Error as exc:
        session.rollback()
        refuse(session, exc, path=path, raw=raw, api_key_id=key.id)
        raise


def refuse(
    session: Session, error: Open311Error, *, path: str, raw: bytes, api_key_id: int | None
) -> None:
    """Keeps a refused POST for staff (its first message is the reason)."""
    dead_letters.record(
        session,
        source="open311",
        topic=path,
        payload=_without_key(raw),
        reason=error.messages[0],
        api_key_id=api_key_id,
    )


def _without_key(raw: bytes) -> str:
    """The body with the api_key's value masked: a dead letter never keeps a secret."""
    text = raw[: dead_letters.PAYLOAD_LIMIT].decode("utf-8", errors="replace")
    return re.sub(r"(api_key[\"']?\s*[=:>]\s*[\"']?)[A-Za-z0-9_\-]+", r"\1***", text)
