#!/usr/bin/env bash
# bench/inventory.sh - the asset inventory benchmark: real agent inventories
# replayed into defter, then the register's list and the software search
# measured at size, on loopback.
#
#   bash bench/inventory.sh       (as root the first time: installs
#                                  fusioninventory-agent, wrk)
#
# 1. Captures this machine's inventory with Debian's
#    `fusioninventory-inventory` (the real agent's XML, ~1,200 packages).
# 2. inventory_gen.py makes DEVICES variants of it with a fixed seed (own
#    host name, device id, BIOS serial, MACs, memory, ~SOFTWARE_PER_DEVICE
#    titles drawn from the captured packages and a pool of office
#    software): day 1, and day 2 (the next day: ~2 % of titles updated,
#    1 % of devices with less memory).
# 3. inventory_send.c replays them against POST /inventory as the agent
#    does (PROLOG, then the zlib-compressed INVENTORY) over CONNS
#    keep-alive connections: day 1 is every device's first contact (each
#    asset, its components and ~500 software rows are created), day 2 is
#    the daily steady state (the same devices again, with what changed).
#    Inventories per second and each device's latency are printed.
# 4. inventory_fill.py registers assets through POST /api/v1/assets until
#    the register holds ASSETS (100,000).
# 5. wrk measures, DURATION seconds each (after a 3 s warm-up), with
#    CONNECTIONS connections and a Bearer token: the asset list (first
#    page, and deep cursor pages), the asset search (host names, serials,
#    brands, rooms), and the software catalogue search over the
#    DEVICES x SOFTWARE_PER_DEVICE installed-software rows.
# Prints the table with the targets (≥ 300 inventories/s sustained;
# list/search p99 < 20 ms) and writes it into docs/performance.md
# (WRITE_DOC=0 leaves it alone).
#
# Environment (defaults in brackets):
#   DEVICES             [20000]   agents replayed
#   SOFTWARE_PER_DEVICE [500]     titles per device (20,000 x 500 = 10M rows)
#   ASSETS              [100000]  assets in the register for the list
#   CONNS               [4]       agent connections
#   CONNECTIONS         [8]       wrk connections
#   DURATION            [15]      seconds of each wrk measurement
#   SEED                [5]       generator seed
#   DEFTER_BIN          []        a built defter; empty: builds build-bench (as `make`)
#   KEEP                [0]       1 keeps the work directory
#   WRITE_DOC           [1]       0: do not touch docs/performance.md
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
DEVICES=${DEVICES:-20000}
export SOFTWARE_PER_DEVICE=${SOFTWARE_PER_DEVICE:-500}
ASSETS=${ASSETS:-100000}
CONNS=${CONNS:-4}
CONNECTIONS=${CONNECTIONS:-8}
DURATION=${DURATION:-15}
SEED=${SEED:-5}
DEFTER_BIN=${DEFTER_BIN:-}
KEEP=${KEEP:-0}
WRITE_DOC=${WRITE_DOC:-1}

say() { printf '%s\n' "bench: $*" >&2; }
die() { say "$*"; exit 1; }

need=()
for p in fusioninventory-agent wrk python3 curl gcc libc6-dev sqlite3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "eksik paketler / missing packages: ${need[*]} (root olarak çalıştırın / run as root)"
  say "kuruluyor / installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

W=$(mktemp -d /tmp/defter-bench-inv.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then say "iş dizini / work dir kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {
  local i
  for ((i = 0; i < ${2:-60} * 5; i++)); do
    curl -s -o /dev/null --max-time 2 "$1" && return 0
    sleep 0.2
  done
  return 1
}

if [ -z "$DEFTER_BIN" ]; then
  say "defter derleniyor / building (RelWithDebInfo, as make, in build-bench)"
  cmake -S "$here" -B "$here/build-bench" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEFTER_TESTS=OFF >/dev/null
  cmake --build "$here/build-bench" -j2 >/dev/null
  DEFTER_BIN="$here/build-bench/defter"
fi
gcc -O2 -Wall -pthread -o "$W/send" "$here/bench/inventory_send.c"

# ---- 1-2: the real agent's inventory, varied per device -----------------------
say "fusioninventory-inventory: bu makinenin envanteri / this machine's inventory"
fusioninventory-inventory >"$W/captured.xml" 2>"$W/capture.log" || die "fusioninventory-inventory: $(tail -3 "$W/capture.log")"
grep -q '<SOFTWARES>' "$W/captured.xml" || die "the captured inventory lists no software"
say "$DEVICES cihaz üretiliyor / generating $DEVICES devices (seed $SEED)"
GEN1=$(python3 "$here/bench/inventory_gen.py" "$W/captured.xml" "$DEVICES" "$SEED" "$W/day1" 1)
python3 "$here/bench/inventory_gen.py" "$W/captured.xml" "$DEVICES" "$SEED" "$W/day2" 2 >/dev/null
say "$GEN1"
read -r _ _ _ SW_ROWS _ POOL <<<"$GEN1"

# ---- 3: the agents --------------------------------------------------------------
DD="$W/data"
"$DEFTER_BIN" init --data "$DD" --preset eyupsultan >"$W/init.log" 2>&1 || die "defter init: $(cat "$W/init.log")"
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
PW=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
printf '%s' "$PW" | "$DEFTER_BIN" user add --data "$DD" --username bench --role yonetici --name "Bench" \
  --password-stdin >"$W/user.log" 2>&1 || die "defter user add: $(cat "$W/user.log")"
setsid "$DEFTER_BIN" serve --data "$DD" --listen "127.0.0.1:$PORT" >"$W/serve.log" 2>&1 &
SERVER=$!
pids+=("$SERVER")
wait_http "$URL/healthz" 60 || die "defter did not start: $(tail -5 "$W/serve.log")"

cpu_of() { # seconds of CPU the server's session used so far
  python3 - "$1" <<'EOF'
import os, sys
sid, tick, t = int(sys.argv[1]), os.sysconf("SC_CLK_TCK"), 0
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            rest = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(rest[3]) == sid:
            t += sum(int(x) for x in rest[11:15])
print(t / tick)
EOF
}
agents() { # day
  local c0 c1 out
  c0=$(cpu_of "$SERVER")
  out=$("$W/send" "$PORT" "$W/$1" "$CONNS") || die "inventory_send $1: $out"
  c1=$(cpu_of "$SERVER")
  say "$1: $out"
  # inventories errors seconds per_second p50 p99 cpu_cores
  read -r _ n _ e _ s _ rate _ p50 _ p99 <<<"$out"
  echo "$n $e $s $rate $p50 $p99 $(python3 -c "print(round(($c1-$c0)/$s, 2))")"
}
say "1. gün: ilk temas / day 1: first contact ($CONNS bağlantı / connections)"
DAY1=$(agents day1)
say "2. gün: günlük envanter / day 2: the daily inventory"
DAY2=$(agents day2)
ASSET_ROWS=$(sqlite3 "$DD/defter.db" "SELECT COUNT(*) FROM assets")
INSTALLED=$(sqlite3 "$DD/defter.db" "SELECT COUNT(*) FROM asset_software")
CATALOGUE=$(sqlite3 "$DD/defter.db" "SELECT COUNT(*) FROM software")
FLAGGED=$(sqlite3 "$DD/defter.db" "SELECT COUNT(*) FROM assets WHERE flagged = 1")
[ "$ASSET_ROWS" -ge "$DEVICES" ] || die "only $ASSET_ROWS assets after $DEVICES devices"

# ---- 4: the register at size -------------------------------------------------------
TOKEN=$(printf '%s' "$PW" | python3 "$here/bench/defter_token.py" "$URL" bench) || die "no API token"
say "kayıt $ASSETS demirbaşa tamamlanıyor / filling the register to $ASSETS assets"
FILL=$(python3 "$here/bench/inventory_fill.py" "$URL" "$TOKEN" "$ASSETS" "$SEED") || die "fill: $FILL"
say "$FILL"
TOTAL_ASSETS=$(sqlite3 "$DD/defter.db" "SELECT COUNT(*) FROM assets")

# ---- 5: latency ----------------------------------------------------------------------
python3 - "$W" "$DEVICES" "$TOTAL_ASSETS" "$SEED" <<'EOF'
import random, sys
w, devices, total, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
with open(f"{w}/list.txt", "w") as f:
    f.write("/api/v1/assets?limit=50\n")
    for _ in range(200):  # deep pages: the cursor is an asset id
        f.write("/api/v1/assets?limit=50&cursor=%d\n" % rng.randint(2, total))
words = ["pc-%05d" % rng.randrange(devices) for _ in range(60)] + \
        ["BN%09d" % rng.randrange(total) for _ in range(60)] + \
        ["dell", "ek bina", "canon", "zabıta", "philips 243v7", "kültür merkezi"] * 5
with open(f"{w}/search.txt", "w") as f:
    for q in words:
        f.write("/api/v1/assets?limit=50&q=%s\n" % q.replace(" ", "%20").replace("ı", "%C4%B1").replace("ü", "%C3%BC"))
sw = ["firefox", "office", "libre", "python3", "lib", "akis", "netcad", "zoom", "7-zip", "perl", "uygulama 01",
      "java", "chrome", "kaspersky", "xz", "ssl"]
with open(f"{w}/software.txt", "w") as f:
    f.write("/api/v1/software?limit=50\n")
    for q in sw:
        f.write("/api/v1/software?limit=50&q=%s\n" % q.replace(" ", "%20"))
EOF
probe=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/software?limit=2&q=firefox")
echo "$probe" | grep -q '"items"' || die "software search failed: $probe"
declare -A RES
measure() { # name file
  local out="$W/wrk-$1.txt"
  BENCH_LUA="$here/bench/lua" BENCH_FILE="$2" BENCH_AUTH="Bearer $TOKEN" \
    wrk -t1 -c"$CONNECTIONS" -d3s --timeout 30s -s "$here/bench/lua/get.lua" "$URL" >/dev/null 2>&1 || true
  BENCH_LUA="$here/bench/lua" BENCH_FILE="$2" BENCH_AUTH="Bearer $TOKEN" \
    python3 "$here/bench/run_wrk.py" "$SERVER" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s --latency \
    -s "$here/bench/lua/get.lua" "$URL" >"$out" 2>&1 || die "wrk $1: $(cat "$out")"
  local line cpu
  line=$(grep '^WRK ' "$out") || die "wrk printed no summary: $(cat "$out")"
  cpu=$(grep '^CPU ' "$out")
  # WRK requests duration_us rps p50 p90 p99 max errors
  read -r _ _ _ rps p50 _ p99 _ errs <<<"$line"
  read -r _ c_srv _ c_oth <<<"$cpu"
  say "$1: $rps req/s, p50 $p50 ms, p99 $p99 ms, errors $errs (CPU server $c_srv, other $c_oth)"
  RES[$1]="$rps $p50 $p99 $errs $c_oth"
}
measure list "$W/list.txt"
measure search "$W/search.txt"
measure software "$W/software.txt"

# ---- report ------------------------------------------------------------------------------
DEFTER_VERSION=$(git -C "$here" log -1 --format=%h -- src CMakeLists.txt 2>/dev/null || echo "?")
git -C "$here" diff --quiet HEAD -- src CMakeLists.txt 2>/dev/null || DEFTER_VERSION+="-dirty"
REPORT="$W/report.md"
python3 - "$DAY1" "$DAY2" "${RES[list]}" "${RES[search]}" "${RES[software]}" >"$REPORT" <<EOF
import sys
d1, d2 = sys.argv[1].split(), sys.argv[2].split()
res = {k: sys.argv[i].split() for i, k in ((3, "list"), (4, "search"), (5, "software"))}
ok = lambda b: "geçti / met" if b else "kaldı / missed"
print("Komut / command: \`bash bench/inventory.sh\` · $(date -u +%Y-%m-%d) · $(nproc) çekirdek / cores, "
      "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') · defter $DEFTER_VERSION")
print()
print("Yük / load: $DEVICES cihaz / devices (fusioninventory-inventory'nin bu makinedeki çıktısından, seed $SEED), "
      "$SW_ROWS kurulu yazılım satırı / installed-software rows, katalogda / catalogue $CATALOGUE başlık / titles; "
      "kayıtta / register $TOTAL_ASSETS demirbaş / assets; 2. gün işaretlenen / flagged on day 2: $FLAGGED.")
print()
print("| Ölçüm / measure | Sonuç / figure | p50 | p99 | Hedef / target | |")
print("|---|---|---|---|---|---|")
print(f"| 1. gün envanter (ilk temas) / day 1 inventories (first contact) | {d1[3]} /s ({d1[6]} çekirdek / cores) | {d1[4]} ms | {d1[5]} ms | — | |")
print(f"| 2. gün envanter (günlük) / day 2 inventories (daily, sustained) | {d2[3]} /s ({d2[6]} çekirdek / cores) | {d2[4]} ms | {d2[5]} ms | ≥ 300 /s | {ok(float(d2[3]) >= 300)} |")
for k, label in (("list", "demirbaş listesi / asset list ($TOTAL_ASSETS)"), ("search", "demirbaş arama / asset search"),
                 ("software", "yazılım arama / software search (10M)")):
    r = res[k]
    print(f"| {label} | {r[0]} istek/s req/s | {r[1]} ms | {r[2]} ms | p99 < 20 ms | {ok(float(r[2]) < 20)} |")
print()
print(f"Hatalar / errors: agents {d1[1]} + {d2[1]}, wrk {res['list'][3]} + {res['search'][3]} + {res['software'][3]}. "
      f"wrk sırasında başka süreçlerin CPU'su / other processes' CPU during wrk: "
      f"{res['list'][4]}, {res['search'][4]}, {res['software'][4]} çekirdek / cores.")
EOF
cat "$REPORT"
if [ "$WRITE_DOC" = 1 ]; then
  python3 "$here/bench/report.py" --doc "$here/docs/performance.md" --block inventory <"$REPORT"
  say "docs/performance.md güncellendi / updated"
fi
