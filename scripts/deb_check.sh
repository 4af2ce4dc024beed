#!/usr/bin/env bash
# Installs dist/contact-uploader_<version>_amd64.deb with apt, runs the installed program (command line and
# the window's offscreen smoke test), removes the package with purge and checks that nothing is left.
# Needs root (or sudo) and apt; run after scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(find dist -maxdepth 1 -name "contact-uploader_*_amd64.deb" | sort | tail -n 1)
[ -n "$deb" ] || { echo "no .deb in dist/; run scripts/build.sh first" >&2; exit 1; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
paths=(/opt/contact-uploader /usr/bin/contact-uploader /usr/share/applications/contact-uploader.desktop
  /usr/share/doc/contact-uploader /usr/share/icons/hicolor/32x32/apps/contact-uploader.png
  /usr/share/icons/hicolor/64x64/apps/contact-uploader.png /usr/share/icons/hicolor/256x256/apps/contact-uploader.png)
if dpkg-query -W -f='${Status}' contact-uploader 2>/dev/null | grep -q "installed"; then
  echo "contact-uploader is already installed here; purging it first"
  $SUDO apt-get purge -y -qq contact-uploader >/dev/null
fi
for p in "${paths[@]}"; do [ ! -e "$p" ] || { echo "$p exists before installing" >&2; exit 1; }; done

if command -v lintian >/dev/null; then
  echo "-- lintian (errors and warnings fail; packaging/linux/lintian-overrides says what is expected)"
  status=0
  report=$(lintian --fail-on error,warning "$deb" 2>&1) || status=$?
  printf '%s\n' "$report" | grep -v "running with root privileges" || true
  [ "$status" -eq 0 ] || { echo "lintian found problems" >&2; exit 1; }
fi

echo "-- apt install ./$deb"
$SUDO apt-get install -y -qq "./$deb" >/dev/null
for p in "${paths[@]}"; do [ -e "$p" ] || { echo "the package did not install $p" >&2; exit 1; }; done
# the installed command as a user's shell finds it (no venv or checkout on PATH)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
unset VIRTUAL_ENV PYTHONPATH
found=$(command -v contact-uploader || true)
[ "$found" = /usr/bin/contact-uploader ] || { echo "contact-uploader on PATH is '$found', not /usr/bin" >&2; exit 1; }
[ "$(readlink -f /usr/bin/contact-uploader)" = /opt/contact-uploader/contact-uploader ]
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate /usr/share/applications/contact-uploader.desktop
fi
grep -q "^MimeType=.*text/csv;.*spreadsheetml.sheet;.*application/vnd.ms-excel;.*opendocument.spreadsheet;" \
  /usr/share/applications/contact-uploader.desktop || { echo "the desktop entry lacks the spreadsheet types" >&2; exit 1; }

echo "-- the installed command, from outside the checkout"
home=$(mktemp -d)
(
  cd "$home"
  export CONTACT_UPLOADER_HOME="$home/state"
  contact-uploader --version | grep -q "^contact-uploader [0-9]"
  contact-uploader providers | grep -q octopush
  contact-uploader add --demo --provider octopush --set phone_number=+33611223344 --set first_name=Deb
  QT_QPA_PLATFORM=offscreen CONTACT_UPLOADER_SMOKE_TEST=1 timeout 120 contact-uploader --demo
)
rm -rf "$home"

echo "-- apt-get purge: nothing left behind"
mapfile -t owned < <(dpkg -L contact-uploader | grep -vx -e /. -e /opt)
$SUDO apt-get purge -y -qq contact-uploader >/dev/null
left=()
for p in "${paths[@]}"; do [ ! -e "$p" ] && [ ! -L "$p" ] || left+=("$p"); done
# every other path the package had is gone too, unless another package owns it (/usr/share/icons/hicolor …)
for p in "${owned[@]}"; do
  if { [ -e "$p" ] || [ -L "$p" ]; } && ! dpkg -S "$p" >/dev/null 2>&1; then left+=("$p"); fi
done
[ ${#left[@]} -eq 0 ] || { echo "left behind after purge: ${left[*]}" >&2; exit 1; }
if dpkg-query -W -f='${Status}' contact-uploader 2>/dev/null | grep -q "installed\|config-files"; then
  echo "dpkg still knows contact-uploader after purge" >&2; exit 1
fi
echo "deb check passed"
