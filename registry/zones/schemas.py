"""Zone representation."""

import marshmallow as ma
from marshmallow import fields


class ZoneSourceSchema(ma.Schema):
    label = fields.String()
    url = fields.String()


class ZoneSchema(ma.Schema):
    class Meta:
        ordered = True

    code = fields.String(metadata={"example": "CN-TJ-FTZ"})
    name_zh = fields.String(metadata={"example": "中国（天津）自由贸易试验区"})
    name_en = fields.String()
    province = fields.String(metadata={"example": "CN-TJ", "description": "ISO 3166-2:CN"})
    province_name_zh = fields.String()
    province_name_en = fields.String()
    kind = fields.String(metadata={"enum": ["pilot_ftz", "free_trade_port"]})
    established = fields.String(allow_none=True, metadata={"description": "YYYY-MM-DD or YYYY-MM"})
    established_year = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    sources = fields.List(fields.Nested(ZoneSourceSchema))
