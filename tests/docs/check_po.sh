#!/usr/bin/env bash
# Every UI string in src/ must have a Turkish translation (Turkish is the
# default language). Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
xgettext -k_ -kN_ --from-code=UTF-8 --language=C --no-location -o "$tmp/defter.pot" $(find src -name '*.c' | sort)
cp po/tr.po "$tmp/tr.po"
msgmerge --quiet --update --backup=none "$tmp/tr.po" "$tmp/defter.pot"
stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$tmp/tr.po" 2>&1)
echo "tr.po: $stats"
if echo "$stats" | grep -qE 'untranslated|fuzzy'; then
  LC_ALL=C msgattrib --untranslated --only-fuzzy "$tmp/tr.po" 2>/dev/null | grep '^msgid' | head -20
  msgattrib --untranslated "$tmp/tr.po" | grep '^msgid' | head -20
  echo "0 passed, 1 failed"
  exit 1
fi
echo "1 passed, 0 failed"
