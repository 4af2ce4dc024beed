#!/usr/bin/env bash
# Builds the one-folder application into dist/contact-uploader and prints its size; on Debian/Ubuntu also
# packs it as dist/contact-uploader_<version>_amd64.deb (scripts/make_deb.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/venv.sh
. scripts/venv.sh   # a venv, never the PEP 668 system Python
python -m pip install -q --disable-pip-version-check -e '.[build]'
rm -rf build/contact-uploader dist/contact-uploader
python -m PyInstaller --noconfirm --log-level WARN build.spec
size_mb=$(du -sm dist/contact-uploader | cut -f1)
echo "bundle: dist/contact-uploader, ${size_mb} MB (budget 120 MB)"
[ "$size_mb" -le 120 ] || { echo "the bundle is larger than 120 MB" >&2; exit 1; }
if [ "$(uname -s)" = Linux ] && command -v dpkg-deb >/dev/null; then
  bash scripts/make_deb.sh   # dist/contact-uploader_<version>_amd64.deb
fi
