#!/usr/bin/env bash
# Builds the wheel, installs it into a fresh virtual environment (no access to this checkout) and, from a
# folder outside the checkout, uses it as a user would: the providers list, an auto-mapped dry run of a
# Turkish Excel CSV (cp1254, ';', Turkish headers), a --demo upload whose report carries the readable
# messages of resources/messages, and the window's offscreen smoke test.
# Usage: bash scripts/wheel_check.sh            (needs network access to PyPI for the dependencies)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "-- build the wheel"
python3 -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$work/wheel" .
wheel=$(ls "$work"/wheel/contact_uploader-*.whl)
python3 - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for need in ("resources/aliases.json", "resources/style.qss", "resources/locale/tr/LC_MESSAGES/contact_uploader.mo",
             "resources/icons/app.png", "core/__init__.py", "gui/launcher.py"):
    assert need in names, f"the wheel lacks {need}"
PY

echo "-- install it into a fresh venv"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"
export PATH="$work/venv/bin:$PATH"
export CONTACT_UPLOADER_HOME="$work/home"
mkdir "$work/outside"
cd "$work/outside"
python - "$repo" "$work/venv" <<'PY'
import sys
from pathlib import Path
import core, resources
from core.resources import resource_root
repo, venv = (Path(p).resolve() for p in sys.argv[1:3])
for where in (Path(core.__file__), Path(resources.__file__), resource_root()):
    where = where.resolve()
    assert venv in where.parents, f"{where} is not inside the venv"
    assert repo not in where.parents, f"{where} comes from the checkout"
for name in ("aliases.json", "style.qss", "locale/tr/LC_MESSAGES/contact_uploader.mo", "icons/app.png", "icons/check.png"):
    assert (resource_root() / name).is_file(), f"resources/{name} is missing from the install"
PY
[ "$(command -v contact-uploader)" = "$work/venv/bin/contact-uploader" ]

echo "-- providers"
contact-uploader providers | grep -q "iletimerkezi"
contact-uploader --version | grep -q "^contact-uploader [0-9]"

echo "-- auto-mapped dry run of a cp1254 ';' file with Turkish headers"
python - <<'PY'
rows = ["Ad;Soyad;E-posta;Cep Telefonu;Şehir",
        "Ayşe;Yılmaz;ayse.yilmaz@example.com;0532 123 45 67;İstanbul",
        "Çağrı;Öztürk;cagri@example.com;0533 765 43 21;İzmir",
        "Gül;Şahin;gul@example.com;0534 111 22 33;Muğla"]
with open("kişiler.csv", "wb") as f:
    f.write(("\r\n".join(rows) + "\r\n").encode("cp1254"))
PY
contact-uploader upload kişiler.csv --provider iletimerkezi --dry-run --report dry.csv
python - <<'PY'
import csv
rows = list(csv.DictReader(open("dry.csv", encoding="utf-8-sig")))
assert [r["status"] for r in rows] == ["ready"] * 3, rows
assert rows[0]["Cep Telefonu"] == "0532 123 45 67" and rows[1]["Ad"] == "Çağrı", rows
assert rows[0]["message"] == "Ready to send to İleti Merkezi.", rows[0]
PY

echo "-- upload --demo: the report carries the readable messages"
contact-uploader upload kişiler.csv --provider iletimerkezi --demo --report demo.csv
python - <<'PY'
import csv
rows = list(csv.DictReader(open("demo.csv", encoding="utf-8-sig")))
assert [r["status"] for r in rows] == ["added"] * 3, rows
for r in rows:
    # the sentence of resources/messages/en.json, not the raw fallback "answered code 200: ..."
    assert r["message"] == "İleti Merkezi added the contact (code 200).", r
PY

echo "-- the window, offscreen, in --demo (smoke test)"
QT_QPA_PLATFORM=offscreen CONTACT_UPLOADER_SMOKE_TEST=1 timeout 120 contact-uploader --demo
echo "wheel check passed"
