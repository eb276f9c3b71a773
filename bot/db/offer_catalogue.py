"""Bringing the offers table in line with a catalogue file (`retention-bot offers load FILE`).

The business edits the catalogue as a file (bot/db/seed/offers.yml is the shipped one) and loads it without a
release. Offers are matched by code: new codes are added, changed fields updated, and offers whose code is no
longer in the file are retired (active = false), never deleted, because the offer history and retention
outcomes of past conversations refer to them; a retired code that comes back in the file is active again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.migrate import current_revision, head_revision
from bot.db.models import Offer
from bot.db.session import session_scope


class SchemaNotCurrent(RuntimeError):
    """The database is not migrated to the revision the catalogue's columns need."""


@dataclass(frozen=True)
class CatalogueChanges:
    """What a load did (or, in a dry run, would do), by offer code."""

    added: tuple[str, ...]
    updated: Mapping[str, tuple[str, ...]]  # code -> the fields that changed, in column order
    retired: tuple[str, ...]
    unchanged: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired)


def plan_changes(existing: Mapping[str, Offer], rows: Sequence[Mapping[str, Any]]) -> CatalogueChanges:
    """Compare the file's rows with the offers in the database (by code); changes nothing."""
    in_file = {row["code"] for row in rows}
    added, unchanged = [], []
    updated: dict[str, tuple[str, ...]] = {}
    for row in rows:
        offer = existing.get(row["code"])
        if offer is None:
            added.append(row["code"])
            continue
        fields = tuple(key for key, value in row.items() if getattr(offer, key) != value)
        if fields:
            updated[row["code"]] = fields
        else:
            unchanged.append(row["code"])
    retired = sorted(code for code, offer in existing.items() if offer.active and code not in in_file)
    return CatalogueChanges(tuple(added), updated, tuple(retired), tuple(unchanged))


def sync_offer_catalogue(
    session: Session, rows: Sequence[Mapping[str, Any]], *, dry_run: bool = False
) -> CatalogueChanges:
    """Make the offers table match `rows` (validated by bot.db.seed.offers.load_offer_catalogue) in the
    session's transaction; with `dry_run` only report. Flushes; the caller commits."""
    # Locked so that two loads at once do not both decide on the same stale rows (PostgreSQL; SQLite locks the
    # whole database on the first write anyway).
    existing = {offer.code: offer for offer in session.execute(select(Offer).with_for_update()).scalars()}
    changes = plan_changes(existing, rows)
    if dry_run:
        return changes
    for row in rows:
        offer = existing.get(row["code"])
        if offer is None:
            session.add(Offer(**row))
        for field in changes.updated.get(row["code"], ()):
            setattr(offer, field, row[field])
    for code in changes.retired:
        existing[code].active = False
    session.flush()
    return changes


def load_offers(url: str, rows: Sequence[Mapping[str, Any]], *, dry_run: bool = False) -> CatalogueChanges:
    """`sync_offer_catalogue` in one transaction on the database at `url`, which must be at the latest revision
    (a load must not migrate: a dry run changes nothing)."""
    at, head = current_revision(url), head_revision()
    if at != head:
        raise SchemaNotCurrent(
            f"database is at revision {at or 'none'}, the catalogue needs {head}: run `retention-bot db init` first"
        )
    with session_scope(url) as session:
        return sync_offer_catalogue(session, rows, dry_run=dry_run)
