#!/bin/sh
# Files on a shared host, on libvirt's test driver (no guests): provium, as
# root, must not use a provium.conf another user could have planted, follow
# a link or block on a FIFO where it writes, or leave what it writes
# writable by others.
. "$(dirname "$0")/lib.sh"

# skip DESCRIPTION REASON: one skipped TAP line.
skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1 # SKIP $2"
}
err_line() { grep -qxF -- "$1" "$WORK/err"; }
not_writable_by_others() { [ -z "$(find "$@" ! -type l -perm /022)" ]; }

# A provium.conf in a directory everyone may write (as /tmp/provium.conf
# would be) decides nothing; it would break the run if it did.
mkdir -p "$WORK/shared/t"
chmod 1777 "$WORK/shared"
printf '[planted]\n' > "$WORK/shared/provium.conf"
echo 'test("fine", function(t) end)' > "$WORK/shared/t/a.test.lua"
run_t "$WORK/shared/t"
check "world-writable directory: its provium.conf is not used" status_is 0
check "world-writable directory: one line says why and what to do" \
    err_line "provium: not using $WORK/shared/provium.conf: its directory is writable by everyone; pass --config to use it"
run_t --config "$WORK/shared/provium.conf" "$WORK/shared/t"
check "world-writable directory: --config still uses it" err_has "unknown group [planted]"

mkdir -p "$WORK/other/t"
printf '[planted]\n' > "$WORK/other/provium.conf"
echo 'test("fine", function(t) end)' > "$WORK/other/t/a.test.lua"
if [ "$(id -u)" -eq 0 ]; then
    chown 65534:65534 "$WORK/other/provium.conf"
    run_t "$WORK/other/t"
    check "another user's provium.conf is not used" status_is 0
    check "another user's provium.conf: one line says why and what to do" \
        err_line "provium: not using $WORK/other/provium.conf: owned by uid 65534, not by you ($(id -un)); pass --config to use it"
else
    skip "another user's provium.conf is not used" "needs root to chown"
    skip "another user's provium.conf: one line says why and what to do" "needs root to chown"
fi

# --save-events: never through a link, never into a FIFO.
mkdir "$WORK/t"
echo 'test("fine", function(t) provium:vm("v"):boot({agent = false}) end)' > "$WORK/t/a.test.lua"
echo precious > "$WORK/victim"
ln -s "$WORK/victim" "$WORK/link.msgpack"
run_t --save-events "$WORK/link.msgpack" "$WORK/t"
check "--save-events to a symbolic link: exit 2" status_is 2
check "--save-events to a symbolic link: one line" err_is_one_line
check "--save-events to a symbolic link: says so" err_has "is a symbolic link"
check "--save-events to a symbolic link: its target is intact" \
    test "$(cat "$WORK/victim")" = precious
mkfifo "$WORK/fifo.msgpack"
status=0
timeout 60 "$PROVIUM" -c "$T" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi --no-ksm \
    --save-events "$WORK/fifo.msgpack" "$WORK/t" > "$WORK/out" 2> "$WORK/err" || status=$?
check "--save-events to a FIFO: exit 2 at once, not blocked" status_is 2
check "--save-events to a FIFO: says so" err_has "is not a regular file"

# Whatever the umask, nothing provium writes is writable by others, even a
# file it overwrites.
printf old > "$WORK/saved.msgpack"
chmod 0666 "$WORK/saved.msgpack"
(umask 000 && run_t --junit "$WORK/junit.xml" --save-events "$WORK/saved.msgpack" "$WORK/t" &&
    exit "$status")
status=$?
check "umask 000: the run passes" status_is 0
check "umask 000: run directory, logs, events, VM files not writable by others" \
    not_writable_by_others "$WORK/runs"
check "umask 000: the JUnit report is not writable by others" \
    not_writable_by_others "$WORK/junit.xml"
check "an overwritten --save-events file is no longer writable by others" \
    not_writable_by_others "$WORK/saved.msgpack"

# provium locks: a FIFO among the locks is refused, not waited on.
mkdir -m 0755 "$WORK/locks"
mkfifo "$WORK/locks/llc-0.lock"
status=0
timeout 60 "$PROVIUM" locks --lock-dir "$WORK/locks" > "$WORK/out" 2> "$WORK/err" || status=$?
check "provium locks with a FIFO: exit 2, not blocked" status_is 2
check "provium locks with a FIFO: one line naming it" \
    err_line "provium: $WORK/locks/llc-0.lock is not a regular file (remove it or use another path)"
rm "$WORK/locks/llc-0.lock"
chmod 0777 "$WORK/locks"
"$PROVIUM" locks --lock-dir "$WORK/locks" > "$WORK/out" 2> "$WORK/err"
status=$?
check "provium locks in a directory everyone may write: exit 2" status_is 2
check "provium locks in a directory everyone may write: one line" \
    err_line "provium: $WORK/locks is writable by everyone; choose another lock directory with --lock-dir"
# Every output path, one rule, checked before anything runs: what is not a
# regular file is refused, never replaced (--junit /dev/null as root
# replaced the host's /dev/null); the null device means "discard" and stays
# a device.  The null device here is the test's own, never /dev/null.
runs_made() { ls "$WORK/runs" 2>/dev/null | grep -c '^[0-9]\{8\}-[0-9]\{6\}-'; }
is_device() { [ -c "$1" ] && [ ! -L "$1" ]; }
run_t "$WORK/t"
before=$(runs_made)
mkfifo "$WORK/out.fifo"
for opt in --junit --html --history --save-events; do
    run_t "$opt" "$WORK/out.fifo" "$WORK/t"
    check "$opt to a FIFO: exit 2, one line" sh -c "[ $status -eq 2 ] && [ \$(wc -l < '$WORK/err') -eq 1 ]"
    check "$opt to a FIFO: says so" err_line "provium: $opt: $WORK/out.fifo is not a regular file (remove it or use another path)"
    check "$opt to a FIFO: still a FIFO" test -p "$WORK/out.fifo"
done
ln -s "$WORK/victim" "$WORK/out.link"
for opt in --junit --html --history; do
    run_t "$opt" "$WORK/out.link" "$WORK/t"
    check "$opt to a symbolic link: exit 2, says so" \
        sh -c "[ $status -eq 2 ] && grep -q 'is a symbolic link' '$WORK/err'"
    check "$opt to a symbolic link: the link and its target are intact" \
        sh -c "[ -L '$WORK/out.link' ] && [ \"\$(cat '$WORK/victim')\" = precious ]"
done
# tests/*.test.lua after --junit: the shell made the first test file the report's path.
cp "$WORK/t/a.test.lua" "$WORK/a.copy"
run_t --junit "$WORK/t/a.test.lua" "$WORK/t"
check "--junit naming a test file: exit 2" status_is 2
check "--junit naming a test file: one line says it would overwrite it" \
    sh -c "[ \$(wc -l < '$WORK/err') -eq 1 ] && grep -q -- '--junit: $WORK/t/a.test.lua is a test or fixture file.s name: writing it would overwrite one' '$WORK/err'"
check "--junit naming a test file: the test file is intact" cmp -s "$WORK/t/a.test.lua" "$WORK/a.copy"
run_t --html "$WORK/web.fixture.lua" "$WORK/t"
check "--html naming a fixture file: exit 2" status_is 2
check "--html naming a fixture file: never written" test ! -e "$WORK/web.fixture.lua"
check "refused outputs: nothing ran" test "$(runs_made)" -eq "$before"
"$PROVIUM" report --junit "$WORK/out.fifo" "$WORK/runs/latest" > "$WORK/out" 2> "$WORK/err"
status=$?
check "report --junit to a FIFO: exit 2, says so" \
    sh -c "[ $status -eq 2 ] && grep -qxF 'provium: --junit: $WORK/out.fifo is not a regular file (remove it or use another path)' '$WORK/err'"
check "report --junit to a FIFO: before the report is printed" test ! -s "$WORK/out"
for opt in --svg --html; do
    "$PROVIUM" report "$opt" "$WORK/out.link" "$WORK/runs/latest" > "$WORK/out" 2> "$WORK/err"
    status=$?
    check "report $opt to a symbolic link: exit 2, the link intact" \
        sh -c "[ $status -eq 2 ] && [ -L '$WORK/out.link' ]"
done
"$PROVIUM" history merge "$WORK/out.fifo" "$WORK/runs/history.json" > "$WORK/out" 2> "$WORK/err"
status=$?
check "history merge OUT a FIFO: exit 2, still a FIFO" sh -c "[ $status -eq 2 ] && [ -p '$WORK/out.fifo' ]"
if [ "$(id -u)" -eq 0 ]; then
    mknod "$WORK/null" c 1 3
    mknod "$WORK/zero" c 1 5
    run_t --junit "$WORK/null" --html "$WORK/null" --history "$WORK/null" \
        --save-events "$WORK/null" "$WORK/t"
    check "every output to a null device: the run passes" status_is 0
    check "every output to a null device: it is still the null device" is_device "$WORK/null"
    check "every output to a null device: nothing said of it" sh -c "! grep -q null '$WORK/err'"
    "$PROVIUM" report --junit "$WORK/null" --html "$WORK/null" --svg "$WORK/null" \
        "$WORK/runs/latest" > "$WORK/out" 2> "$WORK/err"
    status=$?
    check "report's outputs to a null device: passes, still a device" \
        sh -c "[ $status -eq 0 ] && [ -c '$WORK/null' ]"
    "$PROVIUM" history merge "$WORK/null" "$WORK/runs/history.json" > "$WORK/out" 2> "$WORK/err"
    status=$?
    check "history merge OUT a null device: passes, still a device" \
        sh -c "[ $status -eq 0 ] && [ -c '$WORK/null' ]"
    for opt in --junit --html --history; do
        run_t "$opt" "$WORK/zero" "$WORK/t"
        check "$opt to another device: exit 2, says so, still a device" \
            sh -c "[ $status -eq 2 ] && grep -q 'zero is not a regular file' '$WORK/err' && [ -c '$WORK/zero' ]"
    done
else
    skip "outputs to a null device" "needs root to make a device node"
fi

check "nothing left" no_domains_left
