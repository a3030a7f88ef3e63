#!/bin/sh
# A cloud-init seed through a fixture, on the test image (which has no
# cloud-init: this is about the seed as a file of the domain): the build
# boots with its seed and saves the domain with it; the seed goes with the
# build's domain, so the restore gives the restored domain a seed of its
# own, in this run's directory, and removes it with the domain.  What a
# guest makes of a seed: tests/e2e/debian-image.sh.
. "$(dirname "$0")/../lib.sh"

write_conf
cat >> "$WORK/provium.conf" <<CONF

[profile seeded : default]
cloud_init = yes
CONF
mkdir -p "$WORK/fixtures" "$WORK/t"
cat > "$WORK/fixtures/seeded.fixture.lua" <<'LUA'
return fixture("seeded", {profile = "seeded"}, function(vm)
    vm:run("echo set-up > /tmp/setup-marker"):assert_ok()
end)
LUA
cat > "$WORK/t/seeded.test.lua" <<'LUA'
test("restored, with a seed of its own", function(t)
    local vm = provium:vm("a", {fixture = "seeded"}):boot()
    t:assert_eq("set-up\n", vm:read_file("/tmp/setup-marker"))
end)
LUA
# The first run builds the fixture and restores it; the second restores the
# cached state, saved with the first run's seed, which is gone.
run_provium --cache-dir "$WORK/cache" "$WORK/t"
check "built and restored with a seed (exit 0)" status_is 0
first=$(readlink -f "$WORK/runs/latest")
run_provium --cache-dir "$WORK/cache" "$WORK/t"
check "restored from the cache in another run (exit 0)" status_is 0
second=$(readlink -f "$WORK/runs/latest")
check "the runs are two" test "$first" != "$second"
check "the restored domain's seed is this run's, in its vms/" \
    grep -q "<source file=\"$second/vms/[^\"]*\\.seed\\.iso\"/>" "$second"/vms/*.xml
check "no seed is left after either run" \
    sh -c "! ls '$first'/vms/*.seed.iso '$second'/vms/*.seed.iso 2>/dev/null"
check "nothing left in virsh list --all" no_domains_left
