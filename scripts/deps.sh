#!/usr/bin/env bash
# Installs the Debian packages defter needs, only what is missing.
#   scripts/deps.sh          build + run dependencies
#   scripts/deps.sh --test   also what the test suites need (chromium, node, fuzzing)
# Idempotent: a second run installs nothing and changes nothing.
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

build_pkgs=(
  build-essential cmake pkg-config gettext locales
  libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev libssl-dev
  libinih-dev libxlsxwriter-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core
  python3 python3-yaml sqlite3 libcurl4-openssl-dev libzstd-dev
  libarchive-dev libldap2-dev libxml2-dev zlib1g-dev libqrencode-dev
)
test_pkgs=(
  libcmocka-dev clang libclang-rt-14-dev curl
  chromium nodejs npm poppler-utils
  python3-aiosmtpd dovecot-imapd
  dnsmasq-base udhcpc iproute2 bsdutils openssl rsyslog rsyslog-gnutls
  slapd ldap-utils
  fusioninventory-agent ocsinventory-agent
)

pkgs=("${build_pkgs[@]}")
[ "$want_test" = 1 ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  # nodejs/npm may come from another source already (a newer node bundles npm).
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "deps: eksik paketler / missing packages: ${missing[*]}" >&2
    echo "deps: root olarak çalıştırın / run as root: sudo $0 $*" >&2
    exit 1
  fi
  echo "deps: kuruluyor / installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The UI speaks Turkish and English through gettext, which needs the locales.
need_locale=0
for l in tr_TR.utf8 en_US.utf8; do
  locale -a 2>/dev/null | grep -qx "$l" || need_locale=1
done
if [ "$need_locale" = 1 ]; then
  if [ "$(id -u)" = 0 ]; then
    sed -i -E 's/^# *(tr_TR\.UTF-8 UTF-8)/\1/; s/^# *(en_US\.UTF-8 UTF-8)/\1/' /etc/locale.gen
    grep -q '^tr_TR.UTF-8 UTF-8' /etc/locale.gen || echo 'tr_TR.UTF-8 UTF-8' >> /etc/locale.gen
    grep -q '^en_US.UTF-8 UTF-8' /etc/locale.gen || echo 'en_US.UTF-8 UTF-8' >> /etc/locale.gen
    locale-gen >/dev/null
  else
    echo "deps: tr_TR.UTF-8 / en_US.UTF-8 yerelleri eksik (locale-gen)" >&2
  fi
fi

if [ "$want_test" = 1 ]; then
  # Browser tests drive Debian's chromium through playwright-core (no browser download).
  here=$(cd "$(dirname "$0")/.." && pwd)
  if [ ! -d "$here/tests/e2e/node_modules/playwright-core" ]; then
    (cd "$here/tests/e2e" && npm install --no-audit --no-fund --silent >/dev/null)
  fi
fi
exit 0
