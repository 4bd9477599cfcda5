#!/usr/bin/env bash
# bench/netlog.sh - the 5651 access-log archive benchmark: defter's netlog
# collector against rsyslog and against zstd + sha256sum, on loopback.
#
#   bash bench/netlog.sh          (as root the first time: installs rsyslog, zstd)
#
# Generates NETLOG_LINES realistic FortiGate traffic and DHCP syslog lines
# (bench/netlog_gen.c, fixed seed) into a file, then measures in the same
# run:
#   a) defter end to end: the file sent over TCP (newline framing) to
#      `defter netlog --data DIR` (parsed, field-encoded, compressed,
#      written, segments rotated every ROTATE seconds and sealed), from the
#      first byte sent until status.json counts every line on disk;
#   b) rsyslog (Debian's, its own config, pid and work dir, imtcp ->
#      omfile, plain file) receiving the same file the same way;
#   c) zstd -3 and sha256sum of the same bytes (the machine's limit);
#   d) bytes on disk per line: defter, zstd -3 of all lines, zstd -19 of
#      the first ZSTD19_LINES lines (and defter on that same sample);
#   e) every raw line back byte for byte: `defter netlog dump` of the
#      segments against the generated file's SHA-256;
#   f) point query latency over NETLOG_QUERY_LINES stored lines (the store
#      is built with `defter netlog ingest` from the generator's pipe:
#      faster than the socket and no 60 GB file), `defter netlog query`
#      for a NAT session (public ip:port) and for a DHCP lease.
# Prints a table with the ratios and targets and writes it into
# docs/performance.md (WRITE_DOC=0 leaves it alone).
#
# Environment (defaults in brackets):
#   NETLOG_LINES       [20000000]  lines for a) to e)
#   NETLOG_QUERY_LINES [100000000] lines stored for f) (0: skip f)
#   ZSTD19_LINES       [1000000]   the zstd -19 sample (it runs ~5 MB/s)
#   NETLOG_SEED        [5651]      generator seed
#   CONNS              [1]         TCP connections (1 keeps the lines' order for e)
#   ROTATE             [10]        [netlog] rotate_seconds during a)
#   QUERIES            [7]         runs of each query (the median counts)
#   DEFTER_BIN         []          a built defter; empty: builds build-bench (as `make`)
#   KEEP               [0]         1 keeps the work directory
#   WRITE_DOC          [1]         0: do not touch docs/performance.md
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
NETLOG_LINES=${NETLOG_LINES:-20000000}
NETLOG_QUERY_LINES=${NETLOG_QUERY_LINES:-100000000}
ZSTD19_LINES=${ZSTD19_LINES:-1000000}
NETLOG_SEED=${NETLOG_SEED:-5651}
CONNS=${CONNS:-1}
ROTATE=${ROTATE:-10}
QUERIES=${QUERIES:-7}
DEFTER_BIN=${DEFTER_BIN:-}
KEEP=${KEEP:-0}
WRITE_DOC=${WRITE_DOC:-1}
export NETLOG_SEED TZ=Europe/Istanbul # the generated devices log +03:00 local time

say() { printf '%s\n' "bench: $*" >&2; }
die() { say "$*"; exit 1; }

# ---- dependencies (Debian packages, only what is missing) ------------------
need=()
for p in rsyslog zstd coreutils gcc libc6-dev python3 bc; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "eksik paketler / missing packages: ${need[*]} (root olarak çalıştırın / run as root)"
  say "kuruluyor / installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# ---- work directory, processes, cleanup -----------------------------------
W=$(mktemp -d /tmp/defter-netlog-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then say "iş dizini / work dir kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() { # port
  local i
  for ((i = 0; i < 100; i++)); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),1).close()" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
cpu_ticks() { # pid: user+system clock ticks of the process and its threads
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}
json_get() { # file key
  python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))" "$1" "$2" 2>/dev/null || echo 0
}
FACTS="$W/facts"
: >"$FACTS"
fact() { printf '%s\n' "$*" >>"$FACTS"; }
TCK=$(getconf CLK_TCK)

# ---- tools ------------------------------------------------------------------
if [ -z "$DEFTER_BIN" ]; then
  say "defter derleniyor / building (RelWithDebInfo, as make, in build-bench)"
  cmake -S "$here" -B "$here/build-bench" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEFTER_TESTS=OFF >/dev/null
  cmake --build "$here/build-bench" -j2 >/dev/null
  DEFTER_BIN="$here/build-bench/defter"
fi
gcc -O2 -Wall -o "$W/gen" "$here/bench/netlog_gen.c"
gcc -O2 -Wall -pthread -o "$W/send" "$here/bench/netlog_send.c"

# ---- the lines --------------------------------------------------------------
LINES="$W/lines.log"
say "$NETLOG_LINES satır üretiliyor / generating lines (seed $NETLOG_SEED)"
"$W/gen" "$NETLOG_LINES" >"$LINES" 2>"$W/gen.err"
BYTES=$(stat -c %s "$LINES")
N=$(wc -l <"$LINES")
[ "$N" = "$NETLOG_LINES" ] || die "generator wrote $N lines"
DHCP=$(grep -c DHCP "$LINES" || true)
fact "meta lines $N"
fact "meta bytes $BYTES"
fact "meta dhcp $DHCP"
say "$N satır / lines, $BYTES bayt / bytes ($(calc "round($BYTES/$N)") B/line), DHCP $DHCP"
cat "$LINES" >/dev/null # into the page cache for every reader alike

# ---- c) zstd -3 and sha256sum: the machine's limit --------------------------
say "zstd -3 ve / and sha256sum"
t0=$(now)
zstd -3 -T1 -q -c "$LINES" >"$W/lines.zst"
t1=$(now)
SHA=$(sha256sum "$LINES" | cut -d' ' -f1)
t2=$(now)
# both at once, one core each (what defter's two cores do: compress and hash)
zstd -3 -T1 -q -c "$LINES" >/dev/null &
zp=$!
sha256sum "$LINES" >/dev/null
wait "$zp"
t3=$(now)
fact "res zstd3 $(calc "$t1-$t0") $(stat -c %s "$W/lines.zst")"
fact "res sha256 $(calc "$t2-$t1")"
fact "res zstd3_sha256_parallel $(calc "$t3-$t2")"
rm -f "$W/lines.zst.tmp"

# ---- a) defter end to end ---------------------------------------------------
DD="$W/defter"
"$DEFTER_BIN" init --data "$DD" --preset eyupsultan >"$W/defter-init.log" 2>&1 || die "defter init: $(cat "$W/defter-init.log")"
printf '\n[netlog]\nrotate_seconds = %s\nflush_ms = 1000\n' "$ROTATE" >>"$DD/defter.conf"
PORT=$(free_port)
DEFTER_NETLOG_TCP="127.0.0.1:$PORT" DEFTER_NETLOG_UDP=off "$DEFTER_BIN" netlog --data "$DD" >"$W/collector.log" 2>&1 &
cpid=$!
pids+=("$cpid")
wait_port "$PORT" || die "collector did not listen: $(tail -5 "$W/collector.log")"
ST="$DD/netlog/status.json"
say "defter: $N satır TCP ile / lines over TCP ($CONNS bağlantı / connections)"
c0=$(cpu_ticks "$cpid")
t0=$(now)
"$W/send" "$PORT" "$LINES" "$CONNS"
t_sent=$(now)
while [ "$(json_get "$ST" stored)" -lt "$N" ]; do
  kill -0 "$cpid" 2>/dev/null || die "collector died: $(tail -5 "$W/collector.log")"
  [ "$(json_get "$ST" dropped)" = 0 ] || die "collector dropped lines: $(cat "$ST")"
  sleep 0.05
done
t1=$(now)
c1=$(cpu_ticks "$cpid")
kill -TERM "$cpid"
wait "$cpid" || die "collector exit status $?"
t2=$(now)
SEGS=$(ls "$DD/netlog/"*.seg | wc -l)
MANS=$(ls "$DD/netlog/"*.manifest.json | wc -l)
SEGBYTES=$(cat "$DD/netlog/"*.seg | wc -c)
DIRBYTES=$(du -sb "$DD/netlog" | cut -f1)
fact "res defter $(calc "$t1-$t0") $(calc "$t_sent-$t0") $(calc "$t2-$t0") $(calc "($c1-$c0)/$TCK")"
fact "res defter_disk $SEGBYTES $DIRBYTES $SEGS $MANS"
fact "res defter_status $(json_get "$ST" received) $(json_get "$ST" stored) $(json_get "$ST" dropped) $(json_get "$ST" parsed) $(json_get "$ST" unknown)"
say "defter: $(calc "round($N/($t1-$t0))") satır/s lines/s; $SEGS segment, $MANS mühürlü / sealed"
"$DEFTER_BIN" netlog verify --data "$DD" >"$W/verify.log" 2>&1 || true
fact "res verify $(grep -c . "$W/verify.log") $(tail -1 "$W/verify.log" | tr ' ' '_')"

# ---- e) every raw line back ---------------------------------------------------
say "defter: satırlar geri / lines back (netlog dump)"
t0=$(now)
BACK=$("$DEFTER_BIN" netlog dump --data "$DD" 2>"$W/dump.err" | sha256sum | cut -d' ' -f1)
t1=$(now)
fact "res roundtrip $([ "$BACK" = "$SHA" ] && echo PASS || echo FAIL) $(calc "$t1-$t0") $SHA $BACK"
rm -rf "$DD/netlog"

# ---- b) rsyslog ---------------------------------------------------------------
RS="$W/rsyslog"
mkdir -p "$RS/work"
RPORT=$(free_port)
cat >"$RS/rsyslog.conf" <<EOF
global(workDirectory="$RS/work" maxMessageSize="64k")
module(load="imtcp")
template(name="raw" type="string" string="%rawmsg%\n")
ruleset(name="bench") { action(type="omfile" file="$RS/out.log" template="raw") }
input(type="imtcp" address="127.0.0.1" port="$RPORT" ruleset="bench")
EOF
/usr/sbin/rsyslogd -n -f "$RS/rsyslog.conf" -i "$RS/rsyslogd.pid" >"$RS/rsyslogd.log" 2>&1 &
rpid=$!
pids+=("$rpid")
wait_port "$RPORT" || die "rsyslogd did not listen: $(cat "$RS/rsyslogd.log")"
say "rsyslog: $N satır TCP ile / lines over TCP"
c0=$(cpu_ticks "$rpid")
t0=$(now)
"$W/send" "$RPORT" "$LINES" "$CONNS"
t_sent=$(now)
t1=$t_sent
last=-1
still=0
while :; do # until every byte is in the file, or nothing grew for 5 s
  size=$(stat -c %s "$RS/out.log" 2>/dev/null || echo 0)
  if [ "$size" -ge "$BYTES" ]; then
    t1=$(now)
    break
  fi
  if [ "$size" != "$last" ]; then
    last=$size
    t1=$(now)
    still=0
  else
    still=$((still + 1))
    [ "$still" -ge 100 ] && break
  fi
  sleep 0.05
done
c1=$(cpu_ticks "$rpid")
RSLINES=$(wc -l <"$RS/out.log")
kill -TERM "$rpid"
wait "$rpid" || true
fact "res rsyslog $(calc "$t1-$t0") $(calc "$t_sent-$t0") $RSLINES $(calc "($c1-$c0)/$TCK") $(rsyslogd -v | head -1 | awk '{print $2}' | tr -d ',')"
rm -f "$RS/out.log"

# ---- d) the sample: zstd -19 and defter on the same lines -----------------------
say "zstd -19: ilk / first $ZSTD19_LINES satır / lines"
head -n "$ZSTD19_LINES" "$LINES" >"$W/sample.log"
SN=$(wc -l <"$W/sample.log")
zstd -19 -T2 -q -c "$W/sample.log" >"$W/sample.zst"
zstd -3 -T1 -q -c "$W/sample.log" >"$W/sample3.zst"
DS="$W/sample-defter"
"$DEFTER_BIN" init --data "$DS" --preset eyupsultan >/dev/null 2>&1
"$DEFTER_BIN" netlog ingest --data "$DS" --file "$W/sample.log" >/dev/null 2>&1
fact "res sample $SN $(stat -c %s "$W/sample.log") $(stat -c %s "$W/sample.zst") $(stat -c %s "$W/sample3.zst") $(cat "$DS/netlog/"*.seg | wc -c)"
rm -rf "$DS" "$W/sample.log" "$W/sample.zst" "$W/sample3.zst" "$LINES"

# ---- f) point queries over NETLOG_QUERY_LINES ---------------------------------
if [ "$NETLOG_QUERY_LINES" -gt 0 ]; then
  DQ="$W/query"
  "$DEFTER_BIN" init --data "$DQ" --preset eyupsultan >/dev/null 2>&1
  say "sorgu deposu / query store: $NETLOG_QUERY_LINES satır / lines (gen | netlog ingest)"
  t0=$(now)
  "$W/gen" "$NETLOG_QUERY_LINES" 2>"$W/qgen.err" |
    "$DEFTER_BIN" netlog ingest --data "$DQ" --file - --segment-lines 10000000 >"$W/ingest.log" 2>&1 ||
    die "ingest: $(tail -3 "$W/ingest.log")"
  t1=$(now)
  QSEGS=$(ls "$DQ/netlog/"*.seg | wc -l)
  QBYTES=$(cat "$DQ/netlog/"*.seg | wc -c)
  fact "res store $NETLOG_QUERY_LINES $(calc "$t1-$t0") $QSEGS $QBYTES"
  read -r _ NAT_IP NAT_PORT NAT_T NAT_IN <"$W/qgen.err"
  read -r _ L_IP L_T L_MAC < <(sed -n 2p "$W/qgen.err")
  iso() { python3 -c "import datetime,sys; print(datetime.datetime.fromtimestamp(int(sys.argv[1]), datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))" "$1"; }
  q() { # name expect args...
    local name=$1 expect=$2 i t0 t1 ms=() ok=FAIL
    shift 2
    for ((i = 0; i < QUERIES; i++)); do
      t0=$(now)
      "$DEFTER_BIN" netlog query --data "$DQ" "$@" --reason "bench" --json >"$W/q-$name.json" 2>"$W/q-$name.err" ||
        die "query $name: $(cat "$W/q-$name.err")"
      t1=$(now)
      ms+=("$(calc "($t1-$t0)*1000")")
    done
    grep -q "\"$expect\"" "$W/q-$name.json" && ok=PASS
    fact "res query_$name $ok $(printf '%s\n' "${ms[@]}" | sort -g | awk '{a[NR]=$1} END {print a[1], a[int((NR+1)/2)], a[NR]}')"
  }
  q nat "$NAT_IN" --ip "$NAT_IP" --port "$NAT_PORT" --at "$(iso "$NAT_T")"
  q lease "$L_MAC" --ip "$L_IP" --at "$(iso "$L_T")"
  rm -rf "$DQ"
fi

# ---- the report -------------------------------------------------------------------
fact "meta command $(printf '%q ' NETLOG_LINES="$NETLOG_LINES" NETLOG_QUERY_LINES="$NETLOG_QUERY_LINES" \
  ZSTD19_LINES="$ZSTD19_LINES" CONNS="$CONNS" ROTATE="$ROTATE" bash bench/netlog.sh)"
fact "meta machine $(nproc) çekirdek / cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GB"
fact "meta date $(date -u +%Y-%m-%dT%H:%MZ)"
fact "meta rev $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')"
fact "meta zstd $(zstd -V | grep -oE 'v[0-9.]+' | head -1)"
REPORT="$W/report.md"
python3 "$here/bench/netlog_report.py" <"$FACTS" >"$REPORT"
cat "$REPORT"
if [ "$WRITE_DOC" = 1 ]; then
  python3 "$here/bench/report.py" --doc "$here/docs/performance.md" --block netlog <"$REPORT"
  say "docs/performance.md güncellendi / updated"
fi
