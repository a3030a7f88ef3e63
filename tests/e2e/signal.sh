#!/bin/sh
# SIGINT mid-run: queued files are cancelled, running tests interrupted,
# every domain of the run destroyed, results printed, exit 130.
. "$(dirname "$0")/../lib.sh"

write_conf
cat > "$WORK/a.test.lua" <<'LUA'
test("waits a long time", function(t)
    provium:vm("v"):boot():run("sleep 120")
end)
LUA
cat > "$WORK/b.test.lua" <<'LUA'
test("queued", function(t) end)
LUA

"$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs" -j 1 "$WORK" \
    > "$WORK/out" 2> "$WORK/err" &
pid=$!
wait_in_command "${PREFIX}a-v"
start=$(date +%s)
kill -INT $pid
wait $pid
status=$?
took=$(( $(date +%s) - start ))
check "exit 130" status_is 130
check "it stopped within 10 s" test "$took" -le 10
check "the running test failed as cancelled" out_has "cancelled by a signal"
check "the queued file is reported cancelled" out_has "b.test.lua cancelled"
check "results so far and the summary are printed" out_has "0 passed, 1 failed, 0 skipped"
check "nothing left in virsh list --all" no_domains_left

# A second signal exits at once, yet leaves no domain behind, not even one
# whose creation was in flight (--keep-failed: libvirt would not destroy it).
mkdir "$WORK/twice"
for f in c d e f; do
    printf 'test("boots", function(t)\n  provium:vm("v"):boot():run("sleep 120")\nend)\n' \
        > "$WORK/twice/$f.test.lua"
done
cp "$WORK/provium.conf" "$WORK/twice/"
"$PROVIUM" -c "$URI" --prefix "$PREFIX" --results-dir "$WORK/runs" --keep-failed --no-psi \
    "$WORK/twice" > "$WORK/out" 2> "$WORK/err" &
pid=$!
i=0
# The first domain is listed while virDomainCreateXML() is still running.
until virsh list --all --name 2>/dev/null | grep -q "^$PREFIX" || [ $i -ge 600 ]; do
    sleep 0.05
    i=$((i + 1))
done
kill -INT $pid
# A second signal within 250 ms is the same interruption (timeout(1) signals
# provium and then its group): a person's second Ctrl-C comes later.
sleep 0.4
kill -INT $pid
wait $pid
status=$?
sleep 5  # a creation provium left in flight would have come up by now
check "second signal: exit 130" status_is 130
check "second signal: says it destroyed the run's domains" err_has "interrupted again; destroyed this run's domains"
check "second signal: nothing left in virsh list --all" no_domains_left
