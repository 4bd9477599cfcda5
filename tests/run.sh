#!/usr/bin/env bash
# Runs every test suite and ends with one line "N passed, N failed".
#   unit   cmocka tests (tests/unit/<module>/test_*.c) — normal and ASan+UBSan builds
#   api    the real binary over HTTP (tests/api) — normal and ASan+UBSan builds
#   preset each preset against its regulation's text (tests/presets)
#   e2e    Debian chromium driven by playwright-core (tests/e2e)
#   docs   translations complete, docs tables match the code (tests/docs)
#   fuzz   every libFuzzer target for a short run (FUZZ_SECONDS, default 20)
# SUITES="unit api" limits what runs.
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)
SUITES=${SUITES:-"docs unit api preset e2e fuzz"}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
total_pass=0
total_fail=0
log_dir=$(mktemp -d /tmp/defter-tests.XXXXXX)

count() {  # count NAME PASSED FAILED
  printf '== %s: %d passed, %d failed\n' "$1" "$2" "$3"
  total_pass=$((total_pass + $2))
  total_fail=$((total_fail + $3))
}

build() {  # build DIR cmake-args...
  local dir=$1; shift
  if ! { cmake -S . -B "$dir" "$@" >"$log_dir/cmake-$dir.log" 2>&1 &&
         cmake --build "$dir" -j "$JOBS" >"$log_dir/build-$dir.log" 2>&1; }; then
    echo "!! build $dir failed:"; tail -40 "$log_dir/build-$dir.log" "$log_dir/cmake-$dir.log" 2>/dev/null
    return 1
  fi
}

run_ctest() {  # run_ctest DIR LABEL — counts cmocka test cases, not executables
  local out; out=$(cd "$1" && ctest -V -j "$JOBS" 2>&1)
  local rc=$?
  echo "$out" | grep -E "\[  (FAILED|ERROR) |tests passed|\*\*\*|Test +#[0-9]+:.*(Failed|Exception)" | sed 's/^/   /'
  local p f total failed
  p=$(echo "$out" | grep -oE '\[  PASSED  \] [0-9]+ test' | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
  f=$(echo "$out" | grep -oE '\[  FAILED  \] [0-9]+ test' | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
  total=$(echo "$out" | sed -nE 's/.*tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\2/p')
  failed=$(echo "$out" | sed -nE 's/.*tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\1/p')
  p=${p:-0}; f=${f:-0}
  # an executable that crashed before cmocka's summary still counts as a failure
  if [ -z "$total" ]; then f=$((f + 1)); elif [ "$failed" -gt 0 ] && [ "$f" = 0 ]; then f=$failed; fi
  [ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
  echo "   $total test programs"
  count "$2" "$p" "$f"
}

run_counted() {  # run_counted LABEL cmd... (the command prints "N passed, N failed" last)
  local label=$1; shift
  local out rc
  out=$("$@" 2>&1); rc=$?
  echo "$out" | sed 's/^/   /' | tail -n 200
  local line p f
  line=$(echo "$out" | grep -E '^[a-z:]*\s*[0-9]+ passed, [0-9]+ failed' | tail -1)
  p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
  f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
  if [ -z "$p" ]; then p=0; f=1; fi
  [ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
  count "$label" "$p" "$f"
}

want() { case " $SUITES " in *" $1 "*) return 0;; esac; return 1; }

if want unit || want api || want e2e; then
  build build-test -DCMAKE_BUILD_TYPE=Debug -DDEFTER_TESTS=ON || count build 0 1
fi
if want unit || want api; then
  build build-asan -DCMAKE_BUILD_TYPE=Debug -DDEFTER_TESTS=ON -DDEFTER_SANITIZE=ON || count build-asan 0 1
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

if want docs; then
  run_counted "translations" bash tests/docs/check_po.sh
  run_counted "capabilities doc" "$PY" tests/docs/check_capabilities.py
fi
if want unit; then
  [ -x build-test/defter ] && run_ctest build-test "unit"
  [ -x build-asan/defter ] && run_ctest build-asan "unit (asan+ubsan)"
fi
if want api; then
  [ -x build-test/defter ] && run_counted "api" "$PY" tests/api/run.py --bin build-test/defter
  [ -x build-asan/defter ] && run_counted "api (asan+ubsan)" "$PY" tests/api/run.py --bin build-asan/defter
fi
if want preset; then
  run_counted "presets" "$PY" tests/presets/seedcount.py --all --check
  [ -x build-test/defter ] && run_counted "preset load" "$PY" tests/presets/load.py --bin build-test/defter
fi
if want e2e; then
  [ -x build-test/defter ] && run_counted "e2e" node tests/e2e/run.mjs --bin build-test/defter
fi
if want fuzz; then
  if build build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DDEFTER_TESTS=OFF -DDEFTER_FUZZ=ON; then
    fp=0; ff=0
    for f in build-fuzz/fuzz_*; do
      [ -x "$f" ] || continue
      name=$(basename "$f")
      corpus="$log_dir/corpus-$name"; mkdir -p "$corpus"
      [ -d "fuzz/seeds/${name#fuzz_}" ] && cp fuzz/seeds/"${name#fuzz_}"/* "$corpus"/ 2>/dev/null
      if (cd "$log_dir" && ASAN_OPTIONS=detect_leaks=1 "$OLDPWD/$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=1024 \
            -max_len=8192 -print_final_stats=1 "$corpus" >"$log_dir/$name.log" 2>&1); then
        echo "   PASS $name ($(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log_dir/$name.log" | grep -oE '[0-9]+' || echo '?') runs)"
        fp=$((fp + 1))
      else
        echo "   FAIL $name"; tail -30 "$log_dir/$name.log" | sed 's/^/     /'
        ff=$((ff + 1))
      fi
    done
    count fuzz "$fp" "$ff"
  else
    count fuzz 0 1
  fi
fi

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
