#!/bin/sh
# The unit and test-driver tests again, under ASan and UBSan: the source tree
# as `make distdir` ships it (sanitized/src), configured with
# --enable-sanitizers --disable-vm-tests and built in sanitized/build, then
# its make check.  Each of its results becomes one TAP line here, so this
# make check's summary counts them; a sanitizer report fails the test it came
# from (tests/sanitizer-check.sh).  Builds are incremental: the copy keeps
# the sources' times.
#
# Skipped in a build that is itself sanitized, and with
# --disable-sanitized-tests (make distcheck passes it: the distribution's
# own make check would build a third tree).
set -u
: "${PV_TEST_BUILDDIR:?run through make check}"

if [ "${PV_SANITIZERS:-}" = yes ]; then
    echo "1..0 # SKIP this build is the sanitized one"
    exit 0
fi
if [ "${PV_SANITIZED_TESTS:-}" != yes ]; then
    echo "1..0 # SKIP not asked for or not possible (see configure's last lines)"
    exit 0
fi

top=$(dirname "$PV_TEST_BUILDDIR")
dir=$top/sanitized
log=$dir/build.log
out=$dir/check.out
make=${PV_MAKE:-make}
# The inner makes are not this make's children: no jobserver, no flags.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
jobs=$(nproc 2>/dev/null || echo 2)
n=0

tap() {
    n=$((n + 1))
    echo "$1 $n - $2"
}

mkdir -p "$dir" || exit 99
start=$(date +%s)
if (cd "$top" && $make distdir distdir=sanitized/src) > "$log" 2>&1 &&
   mkdir -p "$dir/build" &&
   cd "$dir/build" &&
   { [ -f config.status ] ||
     ../src/configure --enable-sanitizers --disable-vm-tests \
         CC="${PV_CC:-cc}" CFLAGS="-g -O1"; } >> "$log" 2>&1 &&
   $make -j"$jobs" >> "$log" 2>&1; then
    tap ok "sanitized: sources copied, configured and built with ASan and UBSan"
else
    tap "not ok" "sanitized: sources copied, configured and built with ASan and UBSan"
    tail -40 "$log" | sed 's/^/# /'
    echo "1..$n"
    exit 0
fi
built=$(date +%s)

$make -j"$jobs" check > "$out" 2>&1
status=$?
failed=0
results=0
# PASS: tests/test-units 3 /units/size/format
# SKIP: tests/x 2 - no virt-xml-validate # SKIP not installed
while IFS= read -r line; do
    [ -n "$line" ] || continue
    result=${line%%: *}
    rest=${line#*: }
    test=${rest%% *}
    [ "$test" = tests/sanitized.sh ] && continue
    reason=
    case $rest in
    *" # SKIP"*) reason=${rest#*" # SKIP"}; rest=${rest%%" # SKIP"*} ;;
    *" # TODO"*) reason=${rest#*" # TODO"}; rest=${rest%%" # TODO"*} ;;
    esac
    # A '#' left in a description would start a TAP directive.
    rest=$(printf '%s' "$rest" | sed 's/#/\\#/g')
    results=$((results + 1))
    case $result in
    PASS) tap ok "sanitized: $rest" ;;
    SKIP) tap ok "sanitized: $rest # SKIP$reason" ;;
    XFAIL) tap "not ok" "sanitized: $rest # TODO$reason" ;;
    XPASS) tap ok "sanitized: $rest # TODO$reason" ;;
    *)
        failed=1
        tap "not ok" "sanitized: $rest"
        if [ -f "$test.log" ]; then
            echo "# from sanitized/build/$test.log:"
            # The start of a sanitizer's report says what and where.
            # The result's own explanation: the comment lines after its
            # "not ok N", as tests/lib.sh writes them ("# out: ...") ...
            number=${rest#* }
            number=${number%% *}
            explained=$(awk -v n="$number" '
                found && /^#/ { print; if (++shown == 60) exit; next }
                found && /^(PASS|FAIL|XFAIL|XPASS|SKIP|ERROR): / { next }
                found { exit }
                $1 == "not" && $2 == "ok" && $3 == n { found = 1 }' "$test.log" |
                grep -E '^# (out|err): ')
            [ -z "$explained" ] || printf '%s\n' "$explained"
            # ... and the start of a sanitizer's report, which says what and
            # where; without either (a GTest program writes its message
            # before the result), the log's end.
            if grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$test.log"; then
                sed -nE '/ERROR: [A-Za-z]+Sanitizer|runtime error:/,$p' "$test.log" | head -60
            elif [ -z "$explained" ]; then
                tail -40 "$test.log"
            fi | sed 's/^/# /'
        fi
        ;;
    esac
done <<EOF_RESULTS
$(grep -E '^(PASS|FAIL|XFAIL|XPASS|SKIP|ERROR): ' "$out")
EOF_RESULTS

if [ $results -eq 0 ] || { [ $status -ne 0 ] && [ $failed -eq 0 ]; }; then
    tap "not ok" "sanitized: make check ran its tests (exit status $status)"
    tail -40 "$out" | sed 's/^/# /'
fi
echo "# sanitized pass: $((built - start)) s to copy and build, $(($(date +%s) - built)) s of tests"
echo "1..$n"
