#!/usr/bin/env bash
# Builds the one-folder application into dist/contact-uploader and prints its size.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check -e '.[build]'
rm -rf build/contact-uploader dist/contact-uploader
python3 -m PyInstaller --noconfirm --log-level WARN build.spec
size_mb=$(du -sm dist/contact-uploader | cut -f1)
echo "bundle: dist/contact-uploader, ${size_mb} MB (budget 150 MB)"
[ "$size_mb" -le 150 ] || { echo "the bundle is larger than 150 MB" >&2; exit 1; }
