#!/usr/bin/env bash
# Runs the README's "install and open the program" command exactly as written, in a fresh copy of the
# checkout, with no virtual environment active (as on a fresh Debian 12 / Ubuntu 24.04, where the system
# Python refuses pip outside a venv). CONTACT_UPLOADER_SMOKE_TEST makes the window send one contact through
# the form and close by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2016  # the backquotes are literal, in a sed pattern
cmd=$(sed -n 's/^| install and open the program.* | `\([^`]*\)` |$/\1/p' README.md)
[ -n "$cmd" ] || { echo "README.md has no 'install and open the program' command" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# the working tree as it is, without venvs, build output or caches
tar -c --exclude=./.venv --exclude=./build --exclude=./dist --exclude=./.git --exclude='*.egg-info' \
    --exclude=__pycache__ . | tar -x -C "$work"
cd "$work"
if [ -n "${VIRTUAL_ENV:-}" ]; then
  PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$VIRTUAL_ENV/bin" | paste -sd: -)
  unset VIRTUAL_ENV
fi
export PATH
echo "\$ $cmd    (in a fresh copy, with $(command -v python3))"
QT_QPA_PLATFORM=offscreen CONTACT_UPLOADER_SMOKE_TEST=1 CONTACT_UPLOADER_HOME="$work/.home" \
  timeout 600 bash -c "$cmd"
[ -x .venv/bin/contact-uploader ] || { echo "the README command made no .venv" >&2; exit 1; }
echo "README run command passed"
