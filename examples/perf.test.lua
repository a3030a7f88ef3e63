-- Performance mode: the VM gets host CPUs of its own (vCPUs pinned inside
-- one host LLC group, the emulator on one more CPU, memory bound to their
-- NUMA node).  See it with `virsh vcpupin`, `virsh emulatorpin` and
-- `virsh numatune` while the test runs.  On a host with too few CPUs the
-- test is skipped with a "SKIP: perf_mode_unavailable" line.

test("a pinned VM sees the topology it asked for", function(t)
    local vm = provium:vm("bench", "default",
        {performance_mode = true, llcs = 1, cores = 1, threads = 1}):boot()
    local online = vm:run("cat /sys/devices/system/cpu/online"):assert_ok().stdout
    t:assert_eq("0", online:match("%S+"), "one vCPU")
    local llc = vm:run("cat /sys/devices/system/cpu/cpu0/cache/index3/shared_cpu_list")
    t:assert_eq("0", llc:assert_ok().stdout:match("%S+"), "its own last-level cache")
end)
