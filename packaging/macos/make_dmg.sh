#!/usr/bin/env bash
# Makes dist/contact-uploader-<version>.dmg from "dist/Contact Uploader.app" (macOS only: hdiutil, codesign,
# xcrun). Run after `pyinstaller --noconfirm build.spec` on a Mac. The release workflow runs it on a macOS
# runner.
#
# Signing and notarisation happen only when these are set (as secrets in CI, placeholders here):
#   MACOS_SIGN_IDENTITY   "Developer ID Application: <Company> (<TEAMID>)", in an unlocked keychain
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD   an Apple ID with an app-specific password, for notarytool
# Steps: codesign the .app (hardened runtime, timestamp), build the .dmg, codesign it, submit it to Apple's
# notary service and wait, then staple the ticket so Gatekeeper accepts it offline.
set -euo pipefail
cd "$(dirname "$0")/../.."
app="dist/Contact Uploader.app"
[ -d "$app" ] || { echo "no $app; run pyinstaller --noconfirm build.spec first" >&2; exit 1; }
version=$(/usr/libexec/PlistBuddy -c "Print :CFBundleShortVersionString" "$app/Contents/Info.plist")
dmg="dist/contact-uploader-$version.dmg"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  echo "-- signing the app as $MACOS_SIGN_IDENTITY"
  codesign --force --deep --options runtime --timestamp \
    --entitlements packaging/macos/entitlements.plist --sign "$MACOS_SIGN_IDENTITY" "$app"
  codesign --verify --deep --strict --verbose=2 "$app"
fi

echo "-- building $dmg"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"   # drag the app onto it to install
cp "$app/Contents/Resources/resources/THIRD-PARTY-LICENSES" "$stage/Third-party licences.txt" 2>/dev/null \
  || cp "$app/Contents/Frameworks/resources/THIRD-PARTY-LICENSES" "$stage/Third-party licences.txt"
rm -f "$dmg"
hdiutil create -volname "Contact Uploader $version" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$dmg"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$dmg"
  if [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
    echo "-- notarising (this waits for Apple's answer)"
    xcrun notarytool submit "$dmg" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
      --password "$APPLE_APP_PASSWORD" --wait
    xcrun stapler staple "$dmg"
    xcrun stapler validate "$dmg"
  fi
fi
hdiutil verify "$dmg"
echo "disk image: $dmg"
