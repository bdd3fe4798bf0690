"""Drive a list version through its lifecycle with the people who really do each step."""

from __future__ import annotations

from typing import Any

from tests.factories import tianjin_list

BASE = "/api/v1/zones/{zone}/lists"


class Tianjin:
    """The cast of a Tianjin list: the zone administrator, the commission, CAC and NDA."""

    zone = "CN-TJ-FTZ"

    def __init__(self, as_user) -> None:
        self.admin = as_user("tianjin-admin", "zone_admin", zone=self.zone)
        self.commission = as_user("tianjin-commission", "provincial_approver", province="CN-TJ")
        self.cac = as_user("cac-filer", "national_filer", authority="CAC")
        self.nda = as_user("nda-filer", "national_filer", authority="NDA")

    def url(self, version: str = "", suffix: str = "") -> str:
        path = BASE.format(zone=self.zone)
        if version:
            path += f"/{version}"
        return path + (f"/{suffix}" if suffix else "")

    def _ok(self, response, status: int = 200) -> dict[str, Any]:
        assert response.status_code == status, response.get_json()
        return response.get_json()

    def draft(self, version: str = "2024", **changes: Any) -> dict[str, Any]:
        return self._ok(self.admin.post(self.url(), json=tianjin_list(version=version, **changes)), 201)

    def submit(self, version: str) -> dict[str, Any]:
        return self._ok(self.admin.post(self.url(version, "submit")))

    def approve(self, version: str, document_no: str = "津网信委〔2024〕3号") -> dict[str, Any]:
        body = {"decision": "approved", "document_no": document_no, "decided_on": "2024-05-06"}
        return self._ok(self.commission.post(self.url(version, "approval"), json=body))

    def file(self, version: str, authority: str) -> dict[str, Any]:
        filer = self.cac if authority == "CAC" else self.nda
        body = {
            "authority": authority,
            "filing_no": f"{authority}-2024-0017",
            "filed_on": "2024-05-08",
        }
        return self._ok(filer.post(self.url(version, "filings"), json=body))

    def publish(self, version: str, effective_from: str) -> dict[str, Any]:
        return self._ok(self.admin.post(self.url(version, "publish"), json={"effective_from": effective_from}))

    def revoke(self, version: str, revoked_on: str, reason: str = "Superseded by law") -> dict[str, Any]:
        body = {"revoked_on": revoked_on, "reason": reason}
        return self._ok(self.admin.post(self.url(version, "revoke"), json=body))

    def bring_to(
        self, status: str, version: str = "2024", effective_from: str = "2024-05-10", **changes: Any
    ) -> dict[str, Any]:
        """Create ``version`` and take it to ``status`` (draft … revoked)."""
        steps = ["draft", "submitted", "approved", "cac_filed", "filed", "published", "revoked"]
        result = self.draft(version, **changes)
        for step in steps[1 : steps.index(status) + 1]:
            result = {
                "submitted": lambda: self.submit(version),
                "approved": lambda: self.approve(version),
                "cac_filed": lambda: self.file(version, "CAC"),
                "filed": lambda: self.file(version, "NDA"),
                "published": lambda: self.publish(version, effective_from),
                "revoked": lambda: self.revoke(version, "2099-01-01"),
            }[step]()
        return result
