#!/usr/bin/env bash
# tests/setup/fresh_debian.sh [--keep] - proves the set-up on a fresh Debian 12.
#
# Makes a minimal Debian 12 root with debootstrap (under build/, thrown away at
# the end unless --keep), copies the tracked tree into it, and there:
#   non-root/names-packages   as a non-root user, .ci/deps.sh fails and names the
#                             missing packages with the one command that gets them
#   deps/waits-for-apt-lock   as root it installs them while another process holds
#                             dpkg's lock for a few seconds (apt waits, not fails)
#   deps/pep668-venv          the system python3 refuses pip (PEP 668); the Python
#                             packages went into build/venv instead
#   sanitizers                make test-sanitizers (clang ASan+UBSan, TSan) builds,
#                             and a test of each sanitizer build passes
#   fuzz                      clang -fsanitize=fuzzer links and runs (libFuzzer)
#   python                    make python-install, then the Python README examples
#                             and vectors suites pass with no skip (pyflakes too;
#                             PyTorch, 5 GB, is left to CI's own make test)
#   c-tests                   make all runtime-tests (gcc, g++) and a C test passes
# Needs root (chroot, mount) and network access to deb.debian.org and PyPI.
# Prints PASS:/FAIL:/SKIP: lines; exits 1 if any case failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
FAILED=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; shift; printf '%s\n' "$@" | tail -n 30 | sed 's/^/    /'; FAILED=1; }

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: setup/fresh-debian (needs root: chroot and mount)"
    exit 0
fi
for tool in debootstrap chroot mount; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        fail "setup/fresh-debian" "$tool missing; install with: apt-get install debootstrap"
        exit 1
    fi
done

mkdir -p build/setup
ROOT=$(mktemp -d "$PWD/build/setup/debian.XXXXXX")
chmod 755 "$ROOT"
cleanup() {
    for m in "$ROOT/dev/shm" "$ROOT/proc"; do
        mountpoint -q "$m" && umount "$m"
    done
    # Never delete through a mount that is still there.
    if [ $KEEP = 0 ] && ! grep -q " $ROOT/" /proc/mounts; then
        rm -rf "$ROOT"
    elif [ $KEEP = 1 ]; then
        echo "kept $ROOT" >&2
    fi
}
trap cleanup EXIT

start=$SECONDS
if ! out=$(debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" 2>&1); then
    fail "setup/debootstrap" "$out"
    exit 1
fi
echo "  (debootstrap: $((SECONDS - start)) s)" >&2
# The host's network settings go along (nothing of its software does): DNS, a
# proxy, and the CA bundle that proxy may need to be trusted with.
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
NET_ENV=()
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    [ -n "${!v:-}" ] && NET_ENV+=("$v=${!v}")
done
ca=${PIP_CERT:-${SSL_CERT_FILE:-}}
if [ -n "$ca" ] && [ -f "$ca" ]; then
    cp "$ca" "$ROOT/etc/host-ca.crt"
    NET_ENV+=(PIP_CERT=/etc/host-ca.crt SSL_CERT_FILE=/etc/host-ca.crt)
fi
mount -t proc proc "$ROOT/proc"
mount -t tmpfs tmpfs "$ROOT/dev/shm"
mkdir -p "$ROOT/src"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -C "$ROOT/src" -xf -
chmod -R a+rX "$ROOT/src"

# in_root CMD: runs CMD under bash in the fresh root, as root, with a clean
# environment (no PATH entry of this machine's, no Python of its own).
in_root() {
    chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "${NET_ENV[@]}" \
        /bin/bash -c "cd /src && $1" 2>&1
}

# 1. A non-root user gets one line: the missing packages and the command.
if out=$(chroot "$ROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/tmp /usr/sbin/runuser -u nobody -- \
        /bin/bash -c 'cd /src && bash .ci/deps.sh test --venv /tmp/venv' 2>&1); then
    fail "non-root/names-packages" "deps.sh passed as nobody on a bare root:" "$out"
else
    missing=""
    for p in gcc make flex bison python3 clang valgrind pkg-config; do
        grep -q "install with: sudo apt-get install .*\b$p\b" <<<"$out" || missing+=" $p"
    done
    if [ -z "$missing" ] && [ "$(grep -c . <<<"$out")" = 1 ]; then
        pass "non-root/names-packages"
    else
        fail "non-root/names-packages" "expected one line naming every package; not named:$missing" "$out"
    fi
fi

# 2. As root: the set-up itself, while another process holds dpkg's lock for
# 25 s: apt-get must wait for it, not fail, so dpkg's first action of this run
# comes after the lock was released. Debian's python3 is not in the bare root
# yet, so the lock holder is perl (essential, in every root).
start=$SECONDS
in_root "date +%s > /tmp/deps-started
         (perl -e 'use Fcntl; open(my \$f, \">\", \"/var/lib/dpkg/lock-frontend\") or die;
                   my \$lk = pack(\"s s x4 q q i x4\", F_WRLCK, 0, 0, 0, 0);
                   fcntl(\$f, F_SETLK, \$lk) or die \"lock: \$!\"; sleep 25;
                   open(my \$o, \">\", \"/tmp/lock-released\"); print \$o time, \"\\n\"' &)
         sleep 1; bash .ci/deps.sh test" > "$ROOT/deps.log"
status=$?
if [ $status != 0 ]; then
    fail "deps/waits-for-apt-lock" "$(cat "$ROOT/deps.log")"
    exit 1
fi
# dpkg.log stamps its lines in the root's time zone, UTC ("YYYY-MM-DD HH:MM:SS"),
# which sorts as text: the first line of this run must not precede the release.
stamp() { date -u -d "@$1" '+%F %T'; }
started=$(cat "$ROOT/tmp/deps-started")
first_dpkg=$(awk -v t="$(stamp "$started")" '$1 " " $2 >= t { print $1 " " $2; exit }' "$ROOT/var/log/dpkg.log")
released=$(cat "$ROOT/tmp/lock-released" 2>/dev/null)
if [ -n "$first_dpkg" ] && [ -n "$released" ] && ! [[ "$first_dpkg" < "$(stamp "$released")" ]]; then
    pass "deps/waits-for-apt-lock"
else
    fail "deps/waits-for-apt-lock" "dpkg's first action at ${first_dpkg:-?}, lock released at $(stamp "${released:-0}")" \
        "$(cat "$ROOT/deps.log")"
fi
echo "  (set-up: $((SECONDS - start)) s)" >&2

# 3. PEP 668: the system interpreter refuses pip; the venv has the packages.
out=$(in_root "python3 -m pip --version >/dev/null 2>&1 && echo system-pip-present;
               build/venv/bin/python -c 'import pytest, numpy, pyflakes, setuptools, wheel; print(\"venv-ok\")';
               python3 -c 'import numpy' 2>/dev/null && echo system-numpy")
if grep -q venv-ok <<<"$out" && ! grep -q system-numpy <<<"$out"; then
    pass "deps/pep668-venv"
else
    fail "deps/pep668-venv" "$out"
fi

# 4. The sanitizer builds, with only what the set-up installed.
if out=$(in_root "make -s -j2 test-sanitizers && TACHYON_TEST_SCALE=0.05 build/asan/tests/runtime/test_send_full &&
                  TACHYON_TEST_SCALE=0.05 build/tsan/tests/runtime/test_send_full"); then
    pass "sanitizers"
else
    fail "sanitizers" "$out"
fi
if out=$(in_root "echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' |
                  clang -x c -fsanitize=fuzzer,address -o /tmp/fuzz_probe - && /tmp/fuzz_probe -runs=100"); then
    pass "fuzz"
else
    fail "fuzz" "$out"
fi

# 5. The Python package and its tests from the venv, nothing skipped.
if out=$(in_root "make -s python-install && build/venv/bin/python -m pytest -q -p no:cacheprovider -rs \
                  runtime/python/tests/test_examples.py runtime/python/tests/test_readme.py tests/vectors/python"); then
    # PyTorch (5 GB) is left out here; CI's own make test installs it.
    if grep '^SKIPPED' <<<"$out" | grep -vq "PyTorch is not installed"; then
        fail "python" "a test was skipped:" "$out"
    else
        pass "python"
    fi
else
    fail "python" "$out"
fi

# 6. The plain C build and tests (gcc, g++ for the C++ header check).
if out=$(in_root "make -s -j2 all runtime-tests && build/tests/runtime/test_send_full && build/tests/runtime/test_cxx_header"); then
    pass "c-tests"
else
    fail "c-tests" "$out"
fi
exit $FAILED
