#!/bin/sh
# What a user does every day, on libvirt's test driver (no guests): global
# options before the command, run defaults in provium.conf, the order files
# run in from their duration history, retries, reruns, old runs pruned.
. "$(dirname "$0")/lib.sh"

T="test:///default"
run_t() {
    timeout 120 "$PROVIUM" "$@" > "$WORK/out" 2> "$WORK/err"
    status=$?
}

# Global options before the command's name, as with virsh -c URI list.
run_t -c "$T" clean --prefix "$PREFIX"
check "-c URI before clean: runs clean on that URI (exit 0)" status_is 0
check "-c URI before clean: not taken for a test path" out_has "nothing to clean"
run_t --connect="$T" clean --prefix "$PREFIX"
check "--connect=URI before clean works too" status_is 0
run_t -v clean
check "-v before clean: usage error (exit 2)" status_is 2
check "-v before clean: one line" err_is_one_line
check "-v before clean: names the option and the command" \
    err_has "-v does not apply to 'provium clean'"
mkdir "$WORK/listed"
echo 'test("one", function(t) end)' > "$WORK/listed/a.test.lua"
printf '[profile default]\nmemory = 128M\n' > "$WORK/listed.conf"
run_t --config "$WORK/listed.conf" list "$WORK/listed"
check "--config FILE before list: list runs (exit 0)" status_is 0
check "--config FILE before list: lists the file" out_has "a.test.lua"
run_t --config "$WORK/missing.conf" list "$WORK/listed"
check "--config before list: a missing file is still refused (exit 2)" status_is 2
