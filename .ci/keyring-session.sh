#!/bin/sh
# Run a command inside a private D-Bus session with gnome-keyring's Secret Service and an unlocked
# login keyring, so the tests marked keyring_real can use a real keyring on a headless machine.
#
#     .ci/keyring-session.sh python -m pytest tests/core/test_credentials.py
#
# Needs: dbus-run-session (dbus / dbus-x11) and gnome-keyring-daemon (gnome-keyring).
# The keyring lives in a throw-away XDG_DATA_HOME, so the user's own keyring is never touched.
set -eu
if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi
if [ -z "${CU_KEYRING_INNER:-}" ]; then
    command -v dbus-run-session >/dev/null 2>&1 || { echo "$0: dbus-run-session not found: install dbus (apt-get install dbus-x11)." >&2; exit 2; }
    command -v gnome-keyring-daemon >/dev/null 2>&1 || { echo "$0: gnome-keyring-daemon not found: install gnome-keyring." >&2; exit 2; }
    CU_KEYRING_INNER=1
    export CU_KEYRING_INNER
    exec dbus-run-session -- "$0" "$@"
fi
# inside the session bus: a private keyring folder, then start and unlock the daemon
scratch=$(mktemp -d "${TMPDIR:-/tmp}/cu-keyring.XXXXXX")
export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$scratch/run}"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# --unlock reads the password on stdin and creates an unlocked "login" keyring with it
eval "$(printf '%s' "ci-keyring-password" | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
# the daemon claims org.freedesktop.secrets a moment after --unlock returns; a client arriving before
# that would D-Bus-activate a second daemon without the unlocked keyring, so wait for the name
owned=false
for _ in $(seq 1 100); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; then
        owned=true
        break
    fi
    sleep 0.1
done
if [ "$owned" != true ]; then
    echo "$0: gnome-keyring-daemon did not offer the Secret Service within 10 s." >&2
fi
unset CU_KEYRING_INNER
# tells tests/plugins/secret_service.py that this throw-away keyring may be used as it is
CU_KEYRING_SESSION=1
export CU_KEYRING_SESSION
status=0
"$@" || status=$?
rm -rf "$scratch"
exit "$status"
