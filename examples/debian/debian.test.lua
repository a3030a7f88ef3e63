-- A Debian 12 guest: systemd, cloud-init, the distribution's qemu-guest-agent.
-- vm:boot() returns when the agent answers, which on such a guest is before
-- systemd has finished booting: wait for it when the test needs the system up.

test("boots, systemd comes up, runs a command", function(t)
    -- A cold boot under plain emulation takes about half a minute (README.md).
    local vm = provium:vm("deb"):boot({timeout = "5m"})

    -- "running", or "degraded" when a unit failed: then say which.
    local r = vm:run("systemctl is-system-running --wait", {timeout = "5m"})
    if r.stdout ~= "running\n" then
        print(vm:run("systemctl --failed --no-legend --plain").stdout)
    end
    t:assert(r.stdout == "running\n" or r.stdout == "degraded\n", "systemd: " .. r.stdout)

    -- cloud_init = yes (provium.conf): the hostname is the VM's name.
    t:assert_eq("deb\n", vm:run("hostname").stdout)

    local u = vm:run("uname -a")
    u:assert_ok()
    t:assert_contains(u.stdout, "Linux")
    print(u.stdout)
end)
