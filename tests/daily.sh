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

# The order files start in: by their duration history, longest first.
dispatch() {
    run_t -c "$T" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi --no-ksm "$@"
}
dispatched() {
    events '[.[] | select(.kind == "file_dispatched") | .path | split("/") | last | rtrimstr(".test.lua")] | join(",")' | tr -d '"'
}
mkdir "$WORK/mixed"
for f in a b c; do
    echo 'test("short", function(t) provium:sleep("50ms") end)' > "$WORK/mixed/$f.test.lua"
done
echo 'test("long", function(t) provium:sleep("600ms") end)' > "$WORK/mixed/z.test.lua"
dispatch -j 1 "$WORK/mixed"
check "no history yet: exit 0" status_is 0
check "no history yet: discovery order" test "$(dispatched)" = "a,b,c,z"
check "no history yet: no expected run time" sh -c "! grep -q 'expected run time' '$WORK/err'"
check "the run wrote a duration history" test -s "$WORK/runs/history.json"
check "the history knows the long file" \
    test "$(jq '.files | to_entries | map(select(.key | endswith("/z.test.lua")))[0].value.duration_ns > 500000000' "$WORK/runs/history.json")" = true
dispatch -j 1 "$WORK/mixed"
# The short ones, nearly equal, go in the order of their own durations.
check "with history: the long file found last starts first" \
    sh -c 'case "$1" in z,*) exit 0;; *) exit 1;; esac' - "$(dispatched)"
check "with history: the startup line gives the expected run time" \
    grep -q "^provium: pool .*; expected run time .* (longest-first)$" "$WORK/err"
check "with history: one startup line" test "$(grep -c '^provium: pool ' "$WORK/err")" -eq 1
dispatch -j 1 --order fifo "$WORK/mixed"
check "--order fifo: discovery order despite the history" test "$(dispatched)" = "a,b,c,z"
echo 'test("new", function(t) end)' > "$WORK/mixed/m.test.lua"
dispatch -j 1 "$WORK/mixed"
check "a file without history counts as the median: after the long one" \
    sh -c 'case "$1" in z,*m*) exit 0;; *) exit 1;; esac' - "$(dispatched)"
rm "$WORK/mixed/m.test.lua"
dispatch --order random "$WORK/mixed"
check "--order random: usage error (exit 2)" status_is 2
check "--order random: one line" err_is_one_line
check "--order random: says what is accepted" \
    err_has "--order: 'random' is not fifo or longest-first"
echo '{"version": 1, "files": {' > "$WORK/runs/history.json"
dispatch -j 1 "$WORK/mixed"
check "corrupt history: the run goes on (exit 0)" status_is 0
check "corrupt history: one warning naming it" \
    test "$(grep -c "ignoring the duration history $WORK/runs/history.json" "$WORK/err")" -eq 1
check "corrupt history: discovery order" test "$(dispatched)" = "a,b,c,z"
check "corrupt history: replaced by a good one" jq -e '.version == 1' "$WORK/runs/history.json"
rm "$WORK/runs/history.json"
dispatch -j 1 "$WORK/mixed"
check "missing history after earlier runs: one warning" \
    test "$(grep -c "no duration history in $WORK/runs" "$WORK/err")" -eq 1
check "nothing left" no_domains_left
