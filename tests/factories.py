"""Example list content for tests. The zones are real; this content is invented test data."""

from __future__ import annotations

import copy
from typing import Any

TIANJIN_EXAMPLE: dict[str, Any] = {
    "version": "2024",
    "title": "中国（天津）自由贸易试验区数据出境管理清单（负面清单）（测试示例）",
    "categories": [
        {"code": "AUTO", "name_zh": "汽车", "name_en": "Automotive"},
        {"code": "AUTO.VEH", "name_zh": "车辆数据", "name_en": "Vehicle data"},
        {"code": "AUTO.VEH.TRACK", "name_zh": "车辆行驶轨迹", "name_en": "Vehicle trajectories"},
        {"code": "AUTO.VEH.IMG", "name_zh": "车外视频图像", "name_en": "Exterior video and images"},
        {"code": "HEALTH", "name_zh": "医药", "name_en": "Pharmaceuticals"},
        {"code": "HEALTH.GENE", "name_zh": "基因数据", "name_en": "Genetic data"},
    ],
    "scope": ["AUTO", "HEALTH"],
    "excludes_ciio": True,
    "items_complete": True,
    "attributes": [{"name": "vehicle_count", "type": "integer", "label_zh": "车辆数"}],
    "items": [
        {
            "code": "AUTO-001",
            "category": "AUTO.VEH.TRACK",
            "name_zh": "车辆行驶轨迹数据",
            "name_en": "Vehicle trajectory data",
            "description": "反映车辆行驶轨迹的数据",
            "level": "important_data",
            "mechanism": "security_assessment",
            "conditions": [{"attribute": "vehicle_count", "op": ">=", "value": 10000}],
        },
        {
            "code": "AUTO-002",
            "category": "AUTO.VEH.IMG",
            "name_zh": "包含人脸信息的车外视频、图像数据",
            "name_en": "Exterior video with faces",
            "level": "personal_information",
            "mechanism": "standard_contract_or_certification",
            "conditions": [{"attribute": "personal_info_subjects", "op": ">=", "value": 100000}],
        },
        {
            "code": "HEALTH-001",
            "category": "HEALTH.GENE",
            "name_zh": "人类遗传资源信息",
            "name_en": "Human genetic resource information",
            "level": "important_data",
            "mechanism": "security_assessment",
            "conditions": [],
        },
    ],
}


def tianjin_list(**changes: Any) -> dict[str, Any]:
    """Return a copy of the example content with top-level ``changes`` applied."""
    content = copy.deepcopy(TIANJIN_EXAMPLE)
    content.update(changes)
    return content
