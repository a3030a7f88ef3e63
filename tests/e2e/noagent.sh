#!/bin/sh
# A guest whose agent never connects fails after the boot timeout, with its
# console; and --keep-failed leaves it for virsh console, until clean.
. "$(dirname "$0")/../lib.sh"

write_conf
# 30 s: long enough for a guest on a loaded host to print why before it is cut.
cat > "$WORK/mute.test.lua" <<'LUA'
test("agent never connects", function(t)
    provium:vm("mute", "noagent"):boot({timeout = "30s"})
end)
LUA

run_provium "$WORK"
check "exit status 1" status_is 1
check "boot timeout message" \
    out_has "mute.test.lua:2: the guest agent of vm 'mute' (domain '${PREFIX}mute-mute') did not connect within 30.0s"
check "console excerpt shows why" out_has "provium-guest: agent disabled"
check "nothing left in virsh list --all" no_domains_left

run_provium --keep-failed "$WORK"
check "--keep-failed: exit status 1" status_is 1
check "--keep-failed prints the domain" out_has "kept: domain ${PREFIX}mute-mute is still running"
check "--keep-failed leaves it running" \
    sh -c "virsh domstate '${PREFIX}mute-mute' | grep -qx running"

"$PROVIUM" clean -c "$URI" --prefix "$PREFIX" > "$WORK/out" 2> "$WORK/err"
status=$?
check "clean exits 0" status_is 0
check "clean reports what it removed" out_has "removed ${PREFIX}mute-mute"
check "nothing left after clean" no_domains_left
