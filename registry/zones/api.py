"""``/api/v1/zones``: the zones that may publish a list."""

from flask.views import MethodView

from registry.api import Blueprint, document_errors
from registry.db import get_session
from registry.zones import services
from registry.zones.schemas import ZoneSchema

blp = Blueprint(
    "zones",
    __name__,
    url_prefix="/api/v1/zones",
    description="Pilot free-trade zones and the Hainan Free Trade Port",
)


@blp.route("")
class Zones(MethodView):
    @blp.response(200, ZoneSchema(many=True))
    def get(self):
        """List every zone."""
        return services.list_zones(get_session())


@blp.route("/<zone>")
class OneZone(MethodView):
    @blp.response(200, ZoneSchema)
    @document_errors(blp, 404, _404="No such zone")
    def get(self, zone: str):
        """Return one zone."""
        return services.get_zone(get_session(), zone)
