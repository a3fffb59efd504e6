#!/usr/bin/env bash
# runtime/java/scripts/mvn_junit.sh [--install-first DEPDIR] NAME DIR [MAVEN ARGS...] -
# runs `mvn test` (or the given goals) in DIR with a JDK 22+ (after `mvn install
# -DskipTests` in DEPDIR, for a project that depends on it) and prints one line per JUnit case from
# the Surefire reports: "PASS: NAME/Class.test", "FAIL: ..." (then the failure) or
# "SKIP: ...". Without a JDK 22+ or Maven it prints one SKIP line saying why.
#
# Maven runs offline (-o) when the local repository already holds what the
# project needs, and goes online only when offline mode is missing something.
set -u
first=
if [ "${1:-}" = --install-first ]; then
    first=$2
    shift 2
fi
name=$1 dir=$2
shift 2
goals=("$@")
[ ${#goals[@]} -gt 0 ] || goals=(test)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/jdk.sh"
if [ -n "$JDK_MISSING" ]; then
    echo "SKIP: $name ($JDK_MISSING)"
    exit 0
fi
if ! command -v mvn >/dev/null 2>&1; then
    echo "SKIP: $name (Maven is not installed: apt-get install maven)"
    exit 0
fi
log=$(mktemp "${TMPDIR:-/tmp}/tachyon-mvn.XXXXXX")
trap 'rm -f "$log"' EXIT
# Offline first; online only when the local repository lacks something (a first run).
run_mvn() {
    mvn -B -o -q "$@" >"$log" 2>&1
    rc=$?
    if [ $rc -ne 0 ] && grep -q "offline mode" "$log"; then
        mvn -B -q "$@" >"$log" 2>&1
        rc=$?
    fi
}
if [ -n "$first" ]; then
    (cd "$first" && run_mvn install -DskipTests && exit $rc)
    if [ $? -ne 0 ]; then
        echo "FAIL: $name (mvn install in $first failed)"
        grep -v '^WARNING' "$log" | tail -30 | sed 's/^/    /'
        exit 1
    fi
fi
cd "$dir" || exit 2
rm -rf target/surefire-reports
run_mvn "${goals[@]}"
python3 - "$name" "$rc" "$log" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
name, rc, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
seen = 0
for path in sorted(glob.glob("target/surefire-reports/TEST-*.xml")):
    for case in ET.parse(path).getroot().iter("testcase"):
        seen += 1
        cls = case.get("classname", "").rsplit(".", 1)[-1]
        label = "%s/%s.%s" % (name, cls, case.get("name", ""))
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        if bad is not None:
            print("FAIL: " + label)
            text = (bad.get("message") or "") + "\n" + (bad.text or "")
            for line in text.strip().splitlines()[:15]:
                print("    " + line)
        elif case.find("skipped") is not None:
            print("SKIP: %s (%s)" % (label, case.find("skipped").get("message") or "skipped"))
        else:
            print("PASS: " + label)
if rc != 0 and seen == 0:
    print("FAIL: %s (maven exit %d, no test report)" % (name, rc))
    lines = open(log, errors="replace").read().splitlines()
    for line in [l for l in lines if not l.startswith("WARNING")][-30:]:
        print("    " + line)
elif rc != 0:
    print("    (maven exit %d)" % rc)
PY
exit $rc
