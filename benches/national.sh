#!/usr/bin/env bash
# Issue 14's national-scale benchmarks in one command: builds its own data (1,500,000 alumni
# by default) on SQLite and, when reachable, PostgreSQL, and keeps every benchmark's output.
#
#   benches/national.sh                       # everything, 1,500,000 respondents
#   NATIONAL_RESPONDENTS=150000 benches/national.sh
#   NATIONAL_ONLY=waves,export benches/national.sh
#
# PostgreSQL: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); each benchmark
# makes a fresh schema there and drops it afterwards. Without a server the PostgreSQL runs are
# skipped with the reason printed. Outputs: target/national-<time>/<benchmark>-<backend>.log,
# and the lines that carry the figures are printed at the end. Takes about an hour on 2 cores
# at 1,500,000 (mostly building the data); see docs/benchmarks.md for what each line means.
# Exits non-zero when a benchmark's own checks fail (rows lost, planner and dry run
# disagreeing, an export short of rows, peak memory over 200 MB, a chat reminded twice);
# timings are printed, not judged. `.ci/run` runs it at a reduced size.
set -uo pipefail
cd "$(dirname "$0")/.."
N="${NATIONAL_RESPONDENTS:-1500000}"
PG="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
ONLY="${NATIONAL_ONLY:-roster,waves,export,telegram,dispatch}"
OUT="target/national-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
export JEJAK_LOG="${JEJAK_LOG:-error}"

cargo build --release --benches --bins || exit 1

backends=(sqlite)
if command -v psql >/dev/null && psql "$PG" -qAtc 'SELECT 1' >/dev/null 2>&1; then
    backends+=(postgres)
elif [ "${JEJAK_REQUIRE_POSTGRES:-}" = 1 ]; then
    echo "PostgreSQL at $PG not reachable (or psql missing), and JEJAK_REQUIRE_POSTGRES=1"
    exit 1
else
    echo "PostgreSQL at $PG not reachable (or psql missing): its runs are skipped"
fi

wanted() { [[ ",$ONLY," == *",$1,"* ]]; }
failed=0
run() {
    local log="$OUT/$1.log"
    shift
    echo "== $(basename "$log" .log) (load: $(cut -d' ' -f1-3 /proc/loadavg)): $*"
    if ! env "$@" >"$log" 2>&1; then
        echo "   FAILED, see $log"
        failed=1
    fi
}

for b in "${backends[@]}"; do
    url=()
    [ "$b" = postgres ] && url=(--database-url "$PG")
    dburl=()
    [ "$b" = postgres ] && dburl=(DATABASE_URL="$PG")
    wanted roster && run "roster-$b" target/release/jejak "${url[@]}" bench roster --rows "$N"
    wanted waves && run "waves-$b" "${dburl[@]}" WAVES_BENCH_RESPONDENTS="$N" WAVES_BENCH_SECONDS=0 \
        cargo bench --bench waves
    wanted export && run "export-$b" "${dburl[@]}" EXPORT_BENCH_RESPONDENTS="$N" \
        cargo bench --bench export
done
if wanted telegram; then
    run telegram-sqlite cargo bench --bench telegram
    if [[ " ${backends[*]} " == *" postgres "* ]]; then
        run telegram-postgres-2 JEJAK_TEST_POSTGRES_URL="$PG" \
            cargo bench --bench telegram -- --backend postgres --processes 2
    fi
fi
if wanted dispatch; then
    run dispatch-sqlite WAVES_BENCH_RESPONDENTS=5000 WAVES_BENCH_SECONDS=60 cargo bench --bench waves
    # Three `jejak dispatch` processes sharing the rate, one of them killed.
    for b in "${backends[@]}"; do
        dburl=()
        [ "$b" = postgres ] && dburl=(DATABASE_URL="$PG")
        run "dispatch3-$b" "${dburl[@]}" WAVES_BENCH_RESPONDENTS=5000 WAVES_BENCH_WORKERS=3 \
            WAVES_BENCH_SECONDS=40 cargo bench --bench waves
    done
fi

echo
echo "== figures (full outputs in $OUT)"
grep -HiE "rows/s|answers/s|planning|dry run|peak|% of|429|RSS|^(report|csv|xlsx|invite)" "$OUT"/*.log | sed "s|$OUT/||"
exit $failed
