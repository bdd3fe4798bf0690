"""`pip install .` (not editable) carries everything `registry serve` needs: seeds, migrations, pages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts processes; `pytest -m "not slow"` leaves it out

ROOT = Path(__file__).resolve().parents[2]


def test_an_installed_copy_finds_its_seeds_migrations_and_pages(tmp_path):
    target = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--target", str(target), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    probe = (
        "import registry, json\n"
        "from pathlib import Path\n"
        "from registry.seedfiles import seeds_dir, read_seed_json\n"
        "from registry.migrate import MIGRATIONS_DIR\n"
        "package = Path(registry.__file__).parent\n"
        "print(json.dumps({'package': str(package), 'seeds': str(seeds_dir()),\n"
        "  'zones': len(read_seed_json('zones.json')['zones']),\n"
        "  'lists': len(list((seeds_dir() / 'lists').glob('*.json'))),\n"
        "  'migrations': len(list((MIGRATIONS_DIR / 'versions').glob('0*.py'))),\n"
        "  'templates': len(list((package / 'web' / 'templates').rglob('*.html'))),\n"
        "  'translations': (package / 'web/translations/en/LC_MESSAGES/messages.mo').exists()}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    import json

    found = json.loads(result.stdout)
    assert found["package"].startswith(str(target)), "the installed copy, not the checkout"
    assert found["seeds"].startswith(str(target))
    checkout_lists = len(list((ROOT / "seeds" / "lists").glob("*.json")))
    assert found["zones"] == 23 and found["lists"] == checkout_lists == 12
    assert found["migrations"] >= 1 and found["templates"] >= 10 and found["translations"]
