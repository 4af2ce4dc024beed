#!/usr/bin/env bash
# Makes dist/contact-uploader_<version>_amd64.deb from the PyInstaller bundle in dist/contact-uploader
# (scripts/build.sh calls it after the build). Needs dpkg-deb (and dpkg -S for the Depends line).
#
#   /opt/contact-uploader/                     the one-folder program, as built
#   /usr/bin/contact-uploader                  -> /opt/contact-uploader/contact-uploader
#   /usr/share/applications/contact-uploader.desktop   menu entry; opens CSV/XLSX/XLSM/XLS/ODS
#   /usr/share/icons/hicolor/{32x32,64x64,256x256}/apps/contact-uploader.png
#   /usr/share/doc/contact-uploader/copyright  the third-party licences (THIRD-PARTY-LICENSES)
#
# Every file belongs to the package, so removing it leaves nothing behind; the menu and icon caches are
# refreshed by the dpkg triggers of desktop-file-utils and hicolor-icon-theme. Settings, journal and logs in
# the user's home folder are the user's data and stay (as with every Debian package).
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=dist/contact-uploader
[ -x "$bundle/contact-uploader" ] || { echo "no bundle at $bundle; run scripts/build.sh first" >&2; exit 1; }
version=$(python3 -c "import re,sys; print(re.search(r'__version__ = \"([^\"]+)\"', open('core/__init__.py').read())[1])")
arch=amd64
deb="dist/contact-uploader_${version}_${arch}.deb"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

install -d "$root/opt" "$root/usr/bin" "$root/usr/share/applications" "$root/usr/share/doc/contact-uploader" \
  "$root/DEBIAN"
cp -a "$bundle" "$root/opt/contact-uploader"
ln -s /opt/contact-uploader/contact-uploader "$root/usr/bin/contact-uploader"
install -m 0644 packaging/linux/contact-uploader.desktop "$root/usr/share/applications/"
for size in 32 64 256; do
  src=resources/icons/app-$size.png
  [ "$size" = 256 ] && src=resources/icons/app.png
  install -D -m 0644 "$src" "$root/usr/share/icons/hicolor/${size}x${size}/apps/contact-uploader.png"
done
install -m 0644 "$bundle/_internal/resources/THIRD-PARTY-LICENSES" "$root/usr/share/doc/contact-uploader/copyright"
printf '%s\n' "contact-uploader ($version) stable; urgency=medium" "" \
  "  * Release $version; see the project's history for the changes." "" \
  " -- Contact Uploader <support@contact-uploader.app>  $(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" \
  | gzip -9n > "$root/usr/share/doc/contact-uploader/changelog.gz"
chmod 0644 "$root/usr/share/doc/contact-uploader/changelog.gz"
# what lintian reports about any self-contained program under /opt, and why it is so (see the file)
install -D -m 0644 packaging/linux/lintian-overrides "$root/usr/share/lintian/overrides/contact-uploader"
# shared libraries are loaded, not run: no execute bit (the program itself keeps it)
find "$root/opt/contact-uploader/_internal" -type f -name '*.so*' -exec chmod 0644 {} +

# Depends: the packages owning the system libraries the bundle loads but does not carry (libc, GL, fontconfig…)
depends=$(find "$root/opt" -type f \( -name '*.so*' -o -name contact-uploader \) -print0 \
  | LD_LIBRARY_PATH="$root/opt/contact-uploader/_internal" xargs -0 ldd 2>/dev/null \
  | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | grep -v "^$root" | sort -u \
  | while read -r lib; do dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null \
      || dpkg -S "${lib#/usr}" 2>/dev/null || true; done \
  | cut -d: -f1 | sort -u | paste -sd, - | sed 's/,/, /g')
[ -n "$depends" ] || depends="libc6"
# the bundled fontconfig reads the system's /etc/fonts configuration
depends="$depends, fontconfig-config"
installed_kb=$(du -sk "$root" --exclude=DEBIAN | cut -f1)

find "$root" -type d -exec chmod 0755 {} +
cat > "$root/DEBIAN/control" <<CONTROL
Package: contact-uploader
Version: $version
Architecture: $arch
Maintainer: Contact Uploader <support@contact-uploader.app>
Installed-Size: $installed_kb
Depends: $depends
Recommends: gnome-keyring | kwalletmanager, fonts-dejavu-core
Section: utils
Priority: optional
Homepage: https://contact-uploader.app
Description: add contacts to SMS and e-mail marketing platforms
 Contact Uploader adds contacts to Netcore Smartech / CEE, İleti Merkezi,
 Aptania and Octopush one at a time through a form, or thousands at once
 from a CSV, XLSX, XLS or ODS spreadsheet, without writing code. API keys
 stay in the system keyring.
 .
 The command line (contact-uploader upload ...) runs the same engine
 without a window.
CONTROL
rm -f "$deb"
dpkg-deb --root-owner-group -Zxz -z6 --build "$root" "$deb" >/dev/null
echo "package: $deb, $(du -m "$deb" | cut -f1) MB (installed $((installed_kb / 1024)) MB); Depends: $depends"
