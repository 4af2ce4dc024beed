#!/usr/bin/env bash
# Smoke-tests the built bundle: the window opens offscreen in --demo, sends one contact to the built-in
# sandbox through the form and exits 0; the command line works from the bundle too.
set -euo pipefail
cd "$(dirname "$0")/.."
app=dist/contact-uploader/contact-uploader
[ -x "$app" ] || { echo "no bundle at $app; run scripts/build.sh first" >&2; exit 1; }
export CONTACT_UPLOADER_HOME
CONTACT_UPLOADER_HOME=$(mktemp -d)
trap 'rm -rf "$CONTACT_UPLOADER_HOME"' EXIT

echo "-- every bundled library finds the libraries it needs (build.spec leaves out the unused ones)"
missing=$(find dist/contact-uploader/_internal -name '*.so*' -type f -print0 \
  | LD_LIBRARY_PATH="$PWD/dist/contact-uploader/_internal" xargs -0 ldd 2>/dev/null | grep "not found" || true)
[ -z "$missing" ] || { echo "bundled libraries miss: $missing" >&2; exit 1; }
grep -q "PySide6_Essentials" dist/contact-uploader/_internal/resources/THIRD-PARTY-LICENSES
grep -q "replace the Qt libraries\|in place of these files" dist/contact-uploader/_internal/resources/THIRD-PARTY-LICENSES

echo "-- providers from the bundle"
"$app" providers | grep -q "octopush"
"$app" providers --json | python3 -c "import json,sys; d=json.load(sys.stdin); assert len(d)==4, d"

echo "-- the bundle speaks Turkish and French (its catalogues and Babel's locale data are inside)"
english=$("$app" --lang en providers)
turkish=$("$app" --lang tr providers)
[ "$english" != "$turkish" ] || { echo "the bundle's 'providers' is the same in Turkish as in English" >&2; exit 1; }
"$app" --lang fr groups iletimerkezi --demo >/dev/null   # counts formatted the French way (Babel's fr data)
"$app" --lang tr upload --help | grep -q "kullanım" || { echo "argparse's usage line is not Turkish" >&2; exit 1; }

echo "-- add one contact from the bundle's command line (--demo)"
"$app" add --demo --provider octopush --set phone_number=+33611223344 --set first_name=Smoke

echo "-- the bundle reads a workbook in a child process of itself, as the window does for big ones"
python3 - "$app" "$CONTACT_UPLOADER_HOME/book.xlsx" <<'PY'
import io, pickle, subprocess, sys
import openpyxl
app, book = sys.argv[1], sys.argv[2]
wb = openpyxl.Workbook()
wb.active.append(["Name", "Phone"])
wb.active.append(["Ann", "+33611223344"])
wb.save(book)
request = pickle.dumps({"op": "source", "path": book, "sheet": None, "nrows": None, "lang": "en"})
done = subprocess.run([app, "--read-workbook-child"], input=request, capture_output=True, timeout=60)
assert done.returncode == 0, done.stderr.decode()
stream, messages = io.BytesIO(done.stdout), []
while stream.tell() < len(done.stdout):
    messages.append(pickle.load(stream))
rows = [cells for m in messages if m[0] == "rows" for _n, cells in m[1]]
assert messages[0][0] == "source" and messages[-1] == ("end",) and rows[1] == ["Ann", "+33611223344"], messages
print("the bundle's workbook reader answered", len(rows), "rows")
PY

echo "-- the window, offscreen, in --demo: open, send one contact through the form, exit 0"
start=$(date +%s.%N)
QT_QPA_PLATFORM=offscreen CONTACT_UPLOADER_SMOKE_TEST=1 timeout 60 "$app" --demo
end=$(date +%s.%N)
python3 -c "print(f'smoke run of the window took {($end - $start):.2f} s in all')"
if command -v xvfb-run >/dev/null; then
  echo "-- the window on a real X server (xvfb, the xcb platform plugin and its libraries)"
  QT_QPA_PLATFORM=xcb CONTACT_UPLOADER_SMOKE_TEST=1 timeout 60 xvfb-run -a "$app" --demo
fi
echo "smoke test passed"
