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
check "nothing left" no_domains_left
