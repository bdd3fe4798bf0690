"""The staff's and the home page's list queries agree with the lists service they summarise."""

from __future__ import annotations

from datetime import date, timedelta

from registry import clock
from registry.db import get_session
from registry.lists import services
from registry.lists.queries import in_force_among, zone_overviews
from tests.lifecycle_helpers import Tianjin


def test_the_overview_names_the_version_in_force_that_the_service_names(app, as_user):
    tj = Tianjin(as_user)
    tj.bring_to("published", version="2024", effective_from="2024-05-10")
    tj.bring_to("published", version="2025", effective_from="2025-03-01")
    tj.bring_to("published", version="2026", effective_from="2026-03-01")
    tj.bring_to("published", version="2099", effective_from="2099-01-01")
    revoked_on = clock.today() + timedelta(days=30)  # a revocation lies ahead of today (v1.1)
    tj.revoke("2026", revoked_on.isoformat())
    boundaries = [date(2024, 5, 10), date(2025, 3, 1), date(2026, 3, 1), revoked_on, date(2099, 1, 1)]
    days = [day + timedelta(days=shift) for day in boundaries for shift in (-1, 0, 1)]
    with app.app_context():
        session = get_session()
        for day in days:
            overview = {o.zone.code: o for o in zone_overviews(session, day)}
            for code, found in overview.items():
                ref = services.in_force_ref(session, code, day)
                assert (found.in_force.id if found.in_force else None) == (ref.id if ref else None), (code, day)
            tianjin_versions = services.list_versions(session, None, tj.zone)
            found = in_force_among(tianjin_versions, day)
            ref = services.in_force_ref(session, tj.zone, day)
            assert (found.id if found else None) == (ref.id if ref else None), day
            tianjin = overview[tj.zone]
            if tianjin.in_force is not None:
                assert tianjin.item_count == len(services.in_force_on(session, tj.zone, day).items)
        assert overview[tj.zone].upcoming is None
        assert {o.zone.code: o for o in zone_overviews(session, date(2098, 1, 1))}[tj.zone].upcoming.version == "2099"
