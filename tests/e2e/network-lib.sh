#!/bin/sh
# provium's network library on real guests, without the Lua API: two files'
# isolated networks on the same addresses, guests configured through the
# agent and through DHCP, pings across, isolation, link faults
# (tests/net-helper.c); then provium clean after the networks' creator is
# SIGKILLed, leaving a foreign network with a similar name alone.
. "$(dirname "$0")/../lib.sh"

helper=$PV_TEST_BUILDDIR/net-helper

# The helper speaks TAP; its lines become this script's.
"$helper" scenario "$PREFIX" > "$WORK/out" 2> "$WORK/err"
status=$?
while IFS= read -r line; do
    case $line in
    "ok "*) ok "${line#ok * - }" ;;
    "not ok "*) not_ok "${line#not ok * - }" ;;
    "#"*) echo "$line" ;;
    esac
done < "$WORK/out"
check "the scenario ran to its end" grep -q '^1\.\.' "$WORK/out"
check "the scenario exits 0" status_is 0
check "nothing left: no domain" no_domains_left
check "nothing left: no network, no record" no_networks_left

# provium clean: a creator killed with SIGKILL leaves its networks behind.
"$helper" hold "$PREFIX" > "$WORK/hold" 2> "$WORK/err" &
pid=$!
i=0
until grep -q '^ready' "$WORK/hold" || [ $i -ge 100 ]; do
    sleep 0.2
    i=$((i + 1))
done
set -- $(cat "$WORK/hold")
lan=${2:-} wan=${3:-}
check "the helper made two networks" test -n "$lan" -a -n "$wan"
foreign="${PREFIX}held-lan-foreign"
printf "<network><name>%s</name></network>\n" "$foreign" > "$WORK/foreign.xml"
check "a foreign network named like provium's" \
    sh -c "virsh net-create '$WORK/foreign.xml' >/dev/null"

"$PROVIUM" clean -c "$URI" --prefix "$PREFIX" > "$WORK/out" 2> "$WORK/err"
status=$?
check "clean while the creator runs: exit 0" status_is 0
check "clean keeps the networks of a run still going" \
    out_has "kept network $lan: its run"
check "they are still there" sh -c "virsh net-info '$lan' >/dev/null && virsh net-info '$wan' >/dev/null"

kill -KILL $pid
wait $pid 2>/dev/null
check "after SIGKILL, the networks are left behind" \
    sh -c "virsh net-info '$lan' >/dev/null && virsh net-info '$wan' >/dev/null"
"$PROVIUM" clean -c "$URI" --prefix "$PREFIX" > "$WORK/out" 2> "$WORK/err"
status=$?
check "clean exits 0" status_is 0
check "clean reports the networks it removed" \
    sh -c "grep -qF 'removed network $lan (run ' '$WORK/out' && grep -qF 'removed network $wan (run ' '$WORK/out'"
check "clean counts them" out_has "removed 2 networks"
check "they are gone" sh -c "! virsh net-info '$lan' >/dev/null 2>&1 && ! virsh net-info '$wan' >/dev/null 2>&1"
check "their records are gone" sh -c "! grep -qx 'prefix=$PREFIX' $NETWORK_RECORDS/*.network 2>/dev/null"
check "the foreign network is untouched" sh -c "virsh net-info '$foreign' >/dev/null"
"$PROVIUM" clean -c "$URI" --prefix "$PREFIX" > "$WORK/out" 2> "$WORK/err"
check "a second clean has nothing to do" out_has "nothing to clean"
virsh net-destroy "$foreign" > /dev/null
check "nothing left" no_networks_left
