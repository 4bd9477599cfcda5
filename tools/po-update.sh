#!/usr/bin/env bash
# Re-extracts the UI strings (English msgids) and merges them into po/tr.po.
# New strings appear untranslated; tests/docs/check_po.sh fails until they
# are translated.
set -euo pipefail
cd "$(dirname "$0")/.."
xgettext -k_ -kN_ --from-code=UTF-8 --language=C --no-location --sort-output \
  -o po/defter.pot $(find src -name '*.c' | sort)
msgmerge --quiet --update --backup=none --no-location --sort-output po/tr.po po/defter.pot
msgattrib --no-obsolete -o po/tr.po po/tr.po
