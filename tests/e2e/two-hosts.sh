#!/bin/sh
# Two libvirt hosts in one run: qemu:///system and a second libvirtd
# (tests/libvirt-host.sh, host B, reached over TCP, whose files are not
# this machine's).  Each host's pool holds one VM at a time (--mem 400M),
# so two files that start together run one on each host:
# - both hosts get a file: which host each ran on is read from the hosts
#   themselves (--keep-failed keeps a failed file's domain, where it ran:
#   virsh -c on each);
# - a file whose claim no host can hold fails at once, its line naming
#   both hosts and what each offers;
# - SIGINT with a VM on each host leaves no domain on either.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../libvirt-host.sh"
at_exit host_stop_all

host_start_or_skip b "two hosts" --no-kvm
B=$(host_uri b)
echo "# hosts: $URI and $B"
on_a() { virsh -c "$URI" list --all --name 2>/dev/null | grep "^$PREFIX"; }
on_b() { virsh -c "$B" list --all --name 2>/dev/null | grep "^$PREFIX"; }
nothing_on_either() { [ -z "$(on_a)" ] && [ -z "$(on_b)" ]; }
two_hosts() {
    "$PROVIUM" -c "$URI" -c "$B" --prefix "$PREFIX" --results-dir "$WORK/runs" \
        --virt-type qemu --mem 400M --cpus 1 --no-psi "$@" > "$WORK/out" 2> "$WORK/err"
    status=$?
}

write_conf
mkdir "$WORK/t"
cp "$WORK/provium.conf" "$WORK/t/"
for f in one two; do
    cat > "$WORK/t/$f.test.lua" <<LUA
test("boots and fails, kept where it ran", function(t)
    provium:vm("$f"):boot():run("true"):assert_ok()
    error("kept on purpose")
end)
LUA
done
cat > "$WORK/t/big.test.lua" <<'LUA'
provium:claim({memory = "64G", cpus = 1})
test("never runs", function(t) end)
LUA
two_hosts --keep-failed "$WORK/t"
check "a run on two hosts: the two files failed as written" out_has "0 passed, 2 failed"
check "... both hosts got a file: one domain kept on $URI" test "$(on_a | wc -l)" -eq 1
check "... and one on host B" test "$(on_b | wc -l)" -eq 1
check "... the file too big for every host failed at once, naming both and their pools" \
    sh -c "grep -F 'big.test.lua: provium:claim() asks for 64G and 1 vCPU, more than any host' \
        '$WORK/out' | grep -F '400M and 1 vCPU, 127.0.0.1 400M and 1 vCPU)'"
"$PROVIUM" clean -c "$URI" -c "$B" --prefix "$PREFIX" > "$WORK/clean.out" 2>&1
check "provium clean -c A -c B: it removed the kept domain on each" \
    test "$(grep -c '^removed 1 domain$' "$WORK/clean.out")" -eq 2
check "... nothing left on either" nothing_on_either

# SIGINT while a VM runs on each host.
rm "$WORK/t/big.test.lua"
for f in one two; do
    printf 'test("waits", function(t)\n    provium:vm("%s"):boot():run("sleep 300")\nend)\n' \
        "$f" > "$WORK/t/$f.test.lua"
done
# provium itself in the background (a function would run in a subshell,
# which the signal would reach instead).
"$PROVIUM" -c "$URI" -c "$B" --prefix "$PREFIX" --results-dir "$WORK/runs" --virt-type qemu \
    --mem 400M --cpus 1 --no-psi "$WORK/t" > "$WORK/out" 2> "$WORK/err" &
pid=$!
i=0
until { [ -n "$(on_a)" ] && [ -n "$(on_b)" ]; } || [ $i -ge 480 ]; do
    sleep 0.5
    i=$((i + 1))
done
check "SIGINT: a domain on each host first" sh -c "[ -n \"\$(virsh -c '$URI' list --name |
    grep '^$PREFIX')\" ] && [ -n \"\$(virsh -c '$B' list --name | grep '^$PREFIX')\" ]"
# Both booted (their agents answer): the tests are in their commands.
for d in $(on_a); do wait_in_command "$d"; done
for d in $(on_b); do (LIBVIRT_DEFAULT_URI=$B; wait_in_command "$d"); done
kill -INT $pid
wait $pid
status=$?
check "SIGINT: exit 130" status_is 130
check "SIGINT: both files cancelled" sh -c "[ \$(grep -c 'cancelled by a signal' '$WORK/out') -ge 2 ]"
check "SIGINT: no domain left on either host" nothing_on_either
