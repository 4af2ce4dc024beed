# shellcheck shell=bash
# Sourced by the scripts: makes sure a virtual environment is active. Debian 12 / Ubuntu 24.04's system
# Python refuses `pip install` outside one (PEP 668), so when none is active this creates (once) and
# activates .venv in the checkout. An already active venv (CI's, a developer's) is used as it is.
# Debian/Ubuntu need the python3-venv package for `python3 -m venv` (scripts/test.sh installs it).
if [ -z "${VIRTUAL_ENV:-}" ] && python3 -c 'import sys; sys.exit(sys.prefix != sys.base_prefix)'; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  # shellcheck disable=SC1091
  . .venv/bin/activate
fi
