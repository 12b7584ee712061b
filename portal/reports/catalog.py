"""The list of report categories (部件 components and 事件 events) and their names."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from db.models import Department
from db.models_reports import ReportCategory
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import DEFAULT_LANGUAGE, N_
from portal.i18n import translate as _catalog_lookup  # for ids that are data, not literals
from portal.permissions import NOT_YOURS, can


def category_name(category: ReportCategory, language: str) -> str:
    """The name staff gave in that language, else the catalog's translation of the English name."""
    names = json.loads(category.names)
    if names.get(language):
        return names[language]
    if names.get("en"):
        translated = _catalog_lookup(language, names["en"])
        if translated != names["en"] or language == "en":
            return translated
    return names.get(DEFAULT_LANGUAGE) or names.get("en") or category.code


def categories(session: Session, active_only: bool = True) -> list[ReportCategory]:
    query = select(ReportCategory).order_by(col(ReportCategory.kind), col(ReportCategory.id))
    if active_only:
        query = query.where(col(ReportCategory.active))
    return list(session.exec(query))


def save_category(
    session: Session,
    *,
    actor_id: int,
    category_id: int | None,
    code: str,
    kind: str,
    name_zh: str,
    name_en: str,
    department_id: int | None,
    time_limit_hours: int,
    duplicate_radius_m: int,
    duplicate_days: int,
    active: bool = True,
) -> ReportCategory:
    """Adds or changes a category. Raises FieldErrors."""
    actor = active_user(session, actor_id)
    if not can(actor, "report.categories"):
        raise UserError(NOT_YOURS)
    errors: dict[str, Message] = {}
    code = (code or "").strip().lower()
    if not code or len(code) > 32 or not code.replace("_", "").isalnum():
        errors["code"] = Message(N_("Use letters, digits and underscores (at most 32)."))
    if kind not in ("component", "event"):
        errors["kind"] = Message(N_("Please choose component or event."))
    if not (name_zh or "").strip():
        errors["name_zh"] = Message(N_("Please enter a name."))
    for field, value, low, high in (
        ("time_limit_hours", time_limit_hours, 1, 720),
        ("duplicate_radius_m", duplicate_radius_m, 5, 2000),
        ("duplicate_days", duplicate_days, 1, 90),
    ):
        if not isinstance(value, int) or not low <= value <= high:
            errors[field] = Message(
                N_("Enter a whole number from {low} to {high}."), {"low": low, "high": high}
            )
    if department_id is not None and session.get(Department, department_id) is None:
        errors["department"] = Message(N_("Please choose who should handle it."))
    clash = session.exec(
        select(col(ReportCategory.id)).where(col(ReportCategory.code) == code)
    ).first()
    if clash is not None and clash != category_id:
        errors["code"] = Message(N_("This code is already used."))
    if errors:
        raise FieldErrors(errors)
    found = session.get(ReportCategory, category_id) if category_id else None
    if category_id and found is None:
        raise ValueError(f"no report category {category_id}")  # pages offer existing ones only
    category = found or ReportCategory(code=code)
    names = json.loads(category.names) if category.names else {}
    names.update({"zh_Hans": name_zh.strip()[:60], "en": (name_en or "").strip()[:60]})
    category.code, category.kind, category.names = code, kind, json.dumps(names, ensure_ascii=False)
    category.department_id, category.time_limit_hours = department_id, time_limit_hours
    category.duplicate_radius_m, category.duplicate_days = duplicate_radius_m, duplicate_days
    category.active = active
    session.add(category)
    session.commit()
    return category
