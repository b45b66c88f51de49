#!/usr/bin/env bash
# System packages the tests need: Chromium (browser tests), LibreOffice Impress and Calc and poppler
# (slide decks and workbooks opened as users open them, converted to PDF/PNG/CSV), Liberation Sans
# (Arial's metrics, with which the deck measures its text), nginx (the
# production topology: nginx in front of two app processes). Installed with apt-get when running as
# root. Then axe-core (accessibility tests), from the npm registry at the version locked in
# tests/support/axe/package-lock.json, into var/axe: the tests inject it into pages; the app never loads it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

install_axe() {
  local target="$ROOT/var/axe" source="$ROOT/tests/support/axe"
  if [ -f "$target/node_modules/axe-core/axe.min.js" ] && cmp -s "$source/package-lock.json" "$target/package-lock.json"; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm absent : axe-core n'est pas installé, les tests d'accessibilité seront ignorés (apt-get install npm)." >&2
    return 0
  fi
  mkdir -p "$target"
  cp "$source/package.json" "$source/package-lock.json" "$target/"
  (cd "$target" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-impress)
dpkg -s libreoffice-calc >/dev/null 2>&1 || missing+=(libreoffice-calc)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
# the deck measures its text in Arial's metrics (Liberation Sans): LibreOffice draws Arial with it
fc-list 2>/dev/null | grep -qi "liberation sans" || missing+=(fonts-liberation2)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -eq 0 ]; then install_axe; exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installation des paquets système : ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  install_axe
else
  echo "Paquets système manquants : ${missing[*]}" >&2
  echo "Installez-les (ex. : sudo apt-get install ${missing[*]}) puis relancez." >&2
  exit 1
fi
