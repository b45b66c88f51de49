#!/usr/bin/env bash
# System packages the tests need: Chromium (browser tests), LibreOffice Impress and Calc and poppler
# (slide decks and workbooks opened as users open them, converted to PDF/PNG/CSV), nginx (the
# production topology: nginx in front of two app processes). Installed with apt-get when running as
# root.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-impress)
dpkg -s libreoffice-calc >/dev/null 2>&1 || missing+=(libreoffice-calc)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installation des paquets système : ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Paquets système manquants : ${missing[*]}" >&2
  echo "Installez-les (ex. : sudo apt-get install ${missing[*]}) puis relancez." >&2
  exit 1
fi
