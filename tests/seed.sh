#!/bin/sh
# cloud_init on libvirt's test driver (no guests): each VM's domain gets
# its own NoCloud seed as a read-only CD-ROM, a VM's cloud_init = false
# turns its profile's off, no seed is left after the run, and mistakes in
# the option or the profile's keys are one line at their place (exit 2).
# What the guest makes of the seed: tests/e2e/debian-image.sh.
. "$(dirname "$0")/lib.sh"

seed_disks() { grep -c 'device="cdrom"' "$1"; }

mkdir "$WORK/on"
printf '#cloud-config\n{}\n' > "$WORK/on/user.yaml"
cat > "$WORK/on/provium.conf" <<'CONF'
[profile default]
memory = 128M
cloud_init = yes
user_data = user.yaml
[profile plain]
memory = 128M
CONF
cat > "$WORK/on/seed.test.lua" <<'LUA'
provium:network("lan", {cidr = "10.96.1.0/24", host = "10.96.1.1", forward = "nat"})
test("boots", function(t)
    provium:vm("a", {nics = {{net = "lan", ip = "10.96.1.7"}}}):boot({agent = false})
    provium:vm("b", {cloud_init = false}):boot({agent = false})
    provium:vm("c", "plain", {cloud_init = {user_data = "#cloud-config\n{}\n",
                                            meta_data = {tags = {"x", 1, true}}}})
        :boot({agent = false})
    provium:vm("d", "plain"):boot({agent = false})
end)
LUA
run_t "$WORK/on"
check "seeds: the VMs boot (exit 0)" status_is 0
xml() { ls "$WORK"/runs/latest/vms/*-seed-"$1".xml; }
check "the profile's cloud_init: the domain has a CD-ROM" test "$(seed_disks "$(xml a)")" = 1
check "the seed is read-only, on IDE, named by its alias" sh -c "
    grep -A6 'device=\"cdrom\"' '$(xml a)' | grep -q '<readonly/>' &&
    grep -A6 'device=\"cdrom\"' '$(xml a)' | grep -q '<target dev=\"hdc\" bus=\"ide\"/>' &&
    grep -A6 'device=\"cdrom\"' '$(xml a)' | grep -q '<alias name=\"ua-provium-seed\"/>'"
check "the seed is a file of the run's vms/, the domain's own" \
    grep -q "<source file=\"$WORK/runs/.*/vms/${PREFIX}seed-a.seed.iso\"/>" "$(xml a)"
check "a VM's cloud_init = false: no seed" test "$(seed_disks "$(xml b)")" = 0
check "a VM's cloud_init table over a profile without: a seed" test "$(seed_disks "$(xml c)")" = 1
check "no cloud_init anywhere: no seed" test "$(seed_disks "$(xml d)")" = 0
check "no seed is left after the run" sh -c "! ls '$WORK'/runs/latest/vms/*.seed.iso 2>/dev/null"

# Mistakes: one line at the VM's line, exit 2.
bad() {
    printf 'test("x", function(t) end)\nprovium:vm("v", %s)\n' "$2" > "$WORK/on/bad.test.lua"
    run_t "$WORK/on/bad.test.lua"
    check "$1: exit 2" status_is 2
    check "$1: says so at its line" out_has "bad.test.lua:2: provium:vm(): cloud_init$3"
}
bad "an unknown key" '{cloud_init = {userdata = "x"}}' \
    ": unknown option 'userdata' (known: user_data, meta_data, network_config)"
bad "cloud_init of a wrong type" '{cloud_init = "yes"}' \
    " must be true, false or a table"
bad "user_data of a wrong type" '{cloud_init = {user_data = {}}}' \
    ": user_data must be a string, not a table"
bad "meta_data a list" '{cloud_init = {meta_data = {"a"}}}' \
    ": meta_data must be a table of keys"
bad "meta_data holding a function" '{cloud_init = {meta_data = {f = print}}}' \
    ": meta_data: a function cannot be meta-data"
rm "$WORK/on/bad.test.lua"

# The profile's user_data file is missing: refused where the VM is made.
mkdir "$WORK/gone"
printf '[profile default]\nmemory = 128M\ncloud_init = yes\nuser_data = nowhere.yaml\n' \
    > "$WORK/gone/provium.conf"
printf 'test("x", function(t) end)\nprovium:vm("v")\n' > "$WORK/gone/gone.test.lua"
run_t "$WORK/gone"
check "a missing user_data file: exit 2" status_is 2
check "a missing user_data file: named, at the VM's line" \
    out_has "gone.test.lua:2: profile 'default' ($WORK/gone/provium.conf): user_data file '$WORK/gone/nowhere.yaml' does not exist"

# cloud_init takes yes or no.
printf '[profile default]\nmemory = 128M\ncloud_init = maybe\n' > "$WORK/gone/provium.conf"
run_t "$WORK/gone"
check "cloud_init = maybe: exit 2" status_is 2
check "cloud_init = maybe: one line naming the file, line and key" \
    err_has "$WORK/gone/provium.conf:3: [profile default] cloud_init: 'maybe' is not yes or no"
