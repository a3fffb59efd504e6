#!/usr/bin/env bash
# Compiler tests: error goldens, the drift table, CLI usage, the layout map,
# generated-code goldens, the lock check and a valgrind run.
#
# Usage: tests/compiler/run.sh PATH/TO/tachc
# Prints PASS:/FAIL:/SKIP: lines (one per case); exits 1 if any case failed.
#
# Golden formats (first line "exit N", then the exact text):
#   errors/<case>.tach + errors/<case>.expected   stderr of `tachc gen` run in errors/
#   drift/<case>/{old.tach,new.tach,expected}     stdout of `tachc check --lock OLD.lock new.tach`
#   layout/<case>.args + layout/<case>.expected   stdout of `tachc layout ARGS` run at the repo root
# Set UPDATE=1 to rewrite the expected files from the current tachc (then
# review every diff before committing it).
set -u

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 PATH/TO/tachc" >&2
    exit 2
fi
TACHC=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
UPDATE=${UPDATE:-0}
failures=0

pass() { echo "PASS: $1"; }
skip() { echo "SKIP: $1 ($2)"; }
fail() {
    echo "FAIL: $1"
    shift
    for line in "$@"; do
        printf '%s\n' "$line" | sed 's/^/    /'
    done
    failures=$((failures + 1))
}

# compare NAME EXPECTED_FILE ACTUAL_FILE
compare() {
    if [ "$UPDATE" = 1 ]; then
        cp "$3" "$2"
        pass "$1 (updated)"
    elif [ ! -f "$2" ]; then
        fail "$1" "missing $2"
    elif cmp -s "$2" "$3"; then
        pass "$1"
    else
        fail "$1" "$(diff -u "$2" "$3" | head -40)"
    fi
}

# ---- error goldens: every malformed schema, its exact diagnostics ------------
for src in "$HERE"/errors/*.tach; do
    name=$(basename "$src" .tach)
    out="$TMP/errout-$name"
    (cd "$HERE/errors" && "$TACHC" gen --lang c --lang cpp --lang rust --lang python --lang go --lang ts --out "$out" "$name.tach" \
        >/dev/null 2>"$TMP/stderr")
    rc=$?
    { echo "exit $rc"; cat "$TMP/stderr"; } >"$TMP/actual"
    if [ -e "$out" ]; then
        fail "error/$name" "tachc wrote $out although the schema has errors"
        continue
    fi
    compare "error/$name" "$HERE/errors/$name.expected" "$TMP/actual"
done

# ---- drift table: old.tach locked, new.tach checked against it ----------------
for dir in "$HERE"/drift/*/; do
    name=$(basename "$dir")
    if ! (cd "$dir" && "$TACHC" lock old.tach >"$TMP/old.lock" 2>"$TMP/stderr"); then
        fail "drift/$name" "tachc lock old.tach failed:" "$(cat "$TMP/stderr")"
        continue
    fi
    (cd "$dir" && "$TACHC" check --lock "$TMP/old.lock" new.tach >"$TMP/stdout" 2>"$TMP/stderr")
    rc=$?
    { echo "exit $rc"; cat "$TMP/stdout" "$TMP/stderr"; } >"$TMP/actual"
    compare "drift/$name" "$dir/expected" "$TMP/actual"
done

# ---- layout maps --------------------------------------------------------------
for args in "$HERE"/layout/*.args; do
    name=$(basename "$args" .args)
    # shellcheck disable=SC2046
    (cd "$ROOT" && "$TACHC" layout $(cat "$args") >"$TMP/stdout" 2>&1)
    rc=$?
    { echo "exit $rc"; cat "$TMP/stdout"; } >"$TMP/actual"
    compare "layout/$name" "$HERE/layout/$name.expected" "$TMP/actual"
done

# ---- command line: usage errors exit 2 with one line -------------------------
# usage NAME ARGS...: expects exit 2 and exactly one line on stderr, nothing on stdout
usage() {
    local name=$1
    shift
    (cd "$HERE/errors" && "$TACHC" "$@" >"$TMP/stdout" 2>"$TMP/stderr")
    local rc=$?
    local lines
    lines=$(wc -l <"$TMP/stderr")
    if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -s "$TMP/stdout" ]; then
        pass "cli/$name"
    else
        fail "cli/$name" "exit $rc (want 2), $lines stderr lines (want 1):" "$(cat "$TMP/stderr" "$TMP/stdout")"
    fi
}
usage no-command
usage unknown-command frobnicate x.tach
usage gen-no-lang gen --out "$TMP/u" ../../../schemas/market.tach
usage gen-bad-lang gen --lang cobol --out "$TMP/u" ../../../schemas/market.tach
usage gen-no-out gen --lang c ../../../schemas/market.tach
usage gen-no-files gen --lang c --out "$TMP/u"
usage gen-lang-no-value gen --out "$TMP/u" ../../../schemas/market.tach --lang
usage gen-unknown-option gen --lang c --out "$TMP/u" --fast ../../../schemas/market.tach
usage lock-no-files lock
usage check-no-lock check ../../../schemas/market.tach
usage check-no-files check --lock x.lock
usage layout-no-file layout
usage layout-too-many layout a.tach B C
usage layout-unknown-type layout ../../../schemas/market.tach NoSuchType
if [ -e "$TMP/u" ]; then
    fail "cli/usage-writes-nothing" "a usage error created $TMP/u"
else
    pass "cli/usage-writes-nothing"
fi

# expect NAME WANT_RC GREP_PATTERN ARGS...: exit status and a line of output
expect() {
    local name=$1 want=$2 pattern=$3
    shift 3
    (cd "$ROOT" && "$TACHC" "$@" >"$TMP/out" 2>&1)
    local rc=$?
    if [ $rc -eq "$want" ] && grep -q -- "$pattern" "$TMP/out"; then
        pass "cli/$name"
    else
        fail "cli/$name" "exit $rc (want $want), output lacks '$pattern':" "$(head -5 "$TMP/out")"
    fi
}
expect help 0 '^usage: tachc <command>' --help
expect help-after-command 0 '^usage: tachc <command>' gen --help
expect version 0 '^tachc [0-9][0-9.]*$' --version
expect missing-file 1 "^tachc: error: cannot open 'nope.tach': No such file or directory$" lock nope.tach
expect missing-lock 1 "cannot read lock file 'nope.lock'" check --lock nope.lock schemas/market.tach
printf 'schema market fingerprint\n' >"$TMP/bad.lock"
expect malformed-lock 1 "bad.lock:1: error: not a lock record" check --lock "$TMP/bad.lock" schemas/market.tach

# an existing, empty output folder stays empty when the schema has errors
mkdir -p "$TMP/keep"
(cd "$HERE/errors" && "$TACHC" gen --lang c --out "$TMP/keep" field_gap.tach >/dev/null 2>&1)
rc=$?
if [ $rc -eq 1 ] && [ -z "$(ls -A "$TMP/keep")" ]; then
    pass "cli/error-leaves-out-dir-empty"
else
    fail "cli/error-leaves-out-dir-empty" "exit $rc, contents: $(ls -A "$TMP/keep")"
fi

# ---- schemas/: generated/ is fresh, generation is deterministic, lock holds --
SCHEMAS="schemas/market.tach schemas/frames.tach schemas/everything.tach"
gen_ok=1
# shellcheck disable=SC2086
if ! (cd "$ROOT" && "$TACHC" gen --lang c --lang cpp --lang rust --lang python --lang go --lang java --lang kotlin --lang ts --lang csharp --out "$TMP/gen1" $SCHEMAS \
        >/dev/null 2>"$TMP/stderr"); then
    fail "generate/schemas" "$(head -20 "$TMP/stderr")"
    gen_ok=0
else
    pass "generate/schemas"
fi
if [ $gen_ok = 1 ]; then
    # shellcheck disable=SC2086
    (cd "$ROOT" && "$TACHC" gen --lang c --lang cpp --lang rust --lang python --lang go --lang java --lang kotlin --lang ts --lang csharp --out "$TMP/gen2" $SCHEMAS \
        >/dev/null 2>&1)
    if diff -r "$TMP/gen1" "$TMP/gen2" >"$TMP/diff"; then
        pass "generate/deterministic"
    else
        fail "generate/deterministic" "$(head -20 "$TMP/diff")"
    fi
    if [ ! -d "$ROOT/generated" ]; then
        skip "generate/committed-is-fresh" "generated/ is not committed yet"
    else
        # hand-kept files (go.mod, cargo files) and build leftovers are not tachc's
        if diff -r -x go.mod -x go.sum -x Cargo.toml -x Cargo.lock -x target -x __pycache__ -x '*.pyc' -x .ruff_cache -x .mypy_cache -x .pytest_cache \
                "$ROOT/generated" "$TMP/gen1" >"$TMP/diff"; then
            pass "generate/committed-is-fresh"
        else
            fail "generate/committed-is-fresh" "generated/ differs from a fresh \`make generate\`:" \
                "$(head -30 "$TMP/diff")"
        fi
    fi
fi
if [ ! -f "$ROOT/schemas/tach.lock" ]; then
    fail "lock/schemas-match-lock" "schemas/tach.lock is missing"
else
    # shellcheck disable=SC2086
    (cd "$ROOT" && "$TACHC" check --lock schemas/tach.lock $SCHEMAS >"$TMP/out" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ ! -s "$TMP/out" ]; then
        pass "lock/schemas-match-lock"
    else
        fail "lock/schemas-match-lock" "exit $rc (want 0; run \`make lock\` if the change is deliberate):" \
            "$(head -20 "$TMP/out")"
    fi
    # shellcheck disable=SC2086
    (cd "$ROOT" && "$TACHC" lock $SCHEMAS >"$TMP/lock1" 2>&1 && "$TACHC" lock $SCHEMAS >"$TMP/lock2" 2>&1)
    if cmp -s "$TMP/lock1" "$TMP/lock2" && cmp -s "$TMP/lock1" "$ROOT/schemas/tach.lock"; then
        pass "lock/stable"
    else
        fail "lock/stable" "two \`tachc lock\` runs differ, or differ from schemas/tach.lock"
    fi
fi

# ---- the name-collision table: each case compiles in every language ----------
bash "$HERE/collisions/run.sh" "$TACHC" >"$TMP/collisions" 2>&1
cat "$TMP/collisions"
failures=$((failures + $(grep -c '^FAIL:' "$TMP/collisions")))

# ---- string constants: the same text in every language -----------------------
bash "$HERE/strings/check.sh" "$TACHC" >"$TMP/strings" 2>&1
cat "$TMP/strings"
failures=$((failures + $(grep -c '^FAIL:' "$TMP/strings")))

# ---- support code (compiler/support/) compiled or linted as itself ----------
bash "$HERE/support.sh" >"$TMP/support" 2>&1
cat "$TMP/support"
failures=$((failures + $(grep -c '^FAIL:' "$TMP/support")))

# ---- structure: front end apart from the back end, no include cycle, no globals
if command -v python3 >/dev/null && command -v objdump >/dev/null; then
    python3 "$HERE/structure.py" "$ROOT/compiler" "$(dirname "$TACHC")/compiler" >"$TMP/structure"
    cat "$TMP/structure"
    failures=$((failures + $(grep -c '^FAIL:' "$TMP/structure")))
else
    skip "structure/*" "python3 or objdump missing"
fi

# ---- the benchmark schema compiles (its timing is bench/, not a test) -------
if command -v python3 >/dev/null; then
    python3 "$ROOT/bench/gen_big_schema.py" --types 500 "$TMP/big.tach"
    if "$TACHC" lock "$TMP/big.tach" >/dev/null 2>"$TMP/stderr"; then
        pass "big-schema/compiles"
    else
        fail "big-schema/compiles" "$(head -10 "$TMP/stderr")"
    fi
else
    skip "big-schema/compiles" "python3 missing"
fi

# ---- valgrind: no leak, no invalid access on success and on error paths -------
VG_CASES="gen-everything errors syntax-errors import-cycle check layout"
if ! command -v valgrind >/dev/null; then
    for c in $VG_CASES; do skip "valgrind/$c" "valgrind missing"; done
elif ! valgrind -q --error-exitcode=99 "$TACHC" --version >/dev/null 2>&1; then
    # a sanitizer build, or debug info this valgrind cannot read (clang's DWARF 5)
    for c in $VG_CASES; do skip "valgrind/$c" "valgrind cannot run this tachc build"; done
else
    # vg NAME WANT_RC DIR ARGS...
    vg() {
        local name=$1 want=$2 dir=$3
        shift 3
        (cd "$dir" && valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
            --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 "$TACHC" "$@" \
            >/dev/null 2>"$TMP/vg")
        local rc=$?
        if [ $rc -eq "$want" ] && ! grep -q '^==[0-9]*==' "$TMP/vg"; then
            pass "valgrind/$name"
        else
            fail "valgrind/$name" "exit $rc (want $want):" "$(grep '^==' "$TMP/vg" | head -20)"
        fi
    }
    vg gen-everything 0 "$ROOT" gen --lang c --lang cpp --lang rust --lang python --lang go --lang ts --out "$TMP/vg-out" \
        schemas/everything.tach
    vg errors 1 "$HERE/errors" lock too_many_errors.tach
    vg syntax-errors 1 "$HERE/errors" lock syntax_several_errors.tach
    vg import-cycle 1 "$HERE/errors" lock import_cycle.tach
    first_drift=$(ls -d "$HERE"/drift/*/ | head -1)
    (cd "$first_drift" && "$TACHC" lock old.tach >"$TMP/vg.lock")
    vg check "$(head -1 "$first_drift/expected" | cut -d' ' -f2)" "$first_drift" check --lock "$TMP/vg.lock" new.tach
    vg layout 0 "$ROOT" layout schemas/frames.tach
fi

[ $failures -eq 0 ]
