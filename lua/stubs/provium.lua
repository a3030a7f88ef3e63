---@meta provium
-- Type stubs of provium's Lua API for the Lua Language Server (LuaLS): an
-- editor with LuaLS completes `vm:run(` and flags a wrong argument type in a
-- *.test.lua file once its .luarc.json lists this directory under
-- "workspace.library" (see examples/.luarc.json).  Never loaded by provium.
--
-- tests/test-stubs.c keeps this file honest against a real provium Lua
-- state: every global, method and field the bindings (src/lua/*.c) and the
-- prelude (lua/prelude.lua) define must appear here, nothing may appear
-- here that they do not define, and each provium.*Options class must list
-- exactly the options its function accepts.  A new binding therefore fails
-- `make check` until it is described here.

---A size: "512M", "2G", "1536K" or a number of bytes.
---@alias provium.Size string|integer

---A duration: "500ms", "30s", "5m", "1h" or a number of seconds.
---@alias provium.Duration string|number

---@alias provium.VmState "defined"|"starting"|"running"|"ready"|"stopped"

-------------------------------------------------------------------------------
-- Declaring tests (lua/prelude.lua)

---@class provium.TestOptions
---@field timeout? provium.Duration The test's own time limit
---@field skip? string|boolean Skip the test; a string says why
---@field tags? string[] Tags, for selecting tests

---Declares a test.  Tests run in the order they are declared; a failed
---assertion or a Lua error fails the test and the file goes on with the next.
---@param name string Unique within the file; no NUL byte
---@param opts provium.TestOptions
---@param fn fun(t: provium.Test)
---@overload fun(name: string, fn: fun(t: provium.Test))
function test(name, opts, fn) end

---@class provium.WaitOptions
---@field timeout? provium.Duration Give up after this long (default "10s")
---@field interval? provium.Duration Between two calls of fn (default "100ms")

---Calls fn until it returns a true value (errors count as false) and
---returns that value; raises when the timeout passes, with fn's last error.
---@generic T
---@param fn fun(): T
---@param opts? provium.WaitOptions
---@return T
function wait_until(fn, opts) end

-------------------------------------------------------------------------------
-- The test context, passed to each test's function (lua/prelude.lua)

---@class provium.Test
---@field name string The test's name
local Test = {}

---Fails the test with msg (recorded even if the error is caught).  Only
---while the test runs: from a coroutine that outlived it, an error saying
---the test has ended.
---@param msg? string
function Test:fail(msg) end

---Fails the test unless cond is true; returns cond.
---@generic T
---@param cond T
---@param msg? string
---@return T
function Test:assert(cond, msg) end

---Fails unless expected equals actual (tables are compared deeply).
---@param expected any
---@param actual any
---@param msg? string
function Test:assert_eq(expected, actual, msg) end

---Fails if a equals b (tables are compared deeply).
---@param a any
---@param b any
---@param msg? string
function Test:assert_neq(a, b, msg) end

---Fails unless the string haystack contains needle (plain text), or the
---table haystack has a value equal to needle.
---@param haystack string|table
---@param needle any
---@param msg? string
function Test:assert_contains(haystack, needle, msg) end

---Fails unless fn raises an error; returns the error.
---@param fn fun()
---@param msg? string
---@return any err
function Test:assert_raises(fn, msg) end

---Ends the test as skipped (only while it runs, as t:fail()).
---@param reason? string
function Test:skip(reason) end

---Adds a line to the test's log (shown with -v and in the event stream).
---@param msg any
function Test:log(msg) end

-------------------------------------------------------------------------------
-- The provium object (src/lua/pv-lua-provium.c)

---@class provium.VmOptions
---@field memory? provium.Size
---@field cpus? integer vCPUs, 1 to 4096
---@field performance_mode? boolean Host CPUs of its own (see the README)
---@field llcs? integer Performance mode: last-level-cache groups
---@field cores? integer Performance mode: cores per LLC group
---@field threads? integer Performance mode: threads per core
---@field console_ignore? provium.ConsoleCheck|provium.ConsoleCheck[] Console checks turned off
---@field nics? (string|provium.NicOptions)[] One NIC per entry, on the file's networks, in order
---@field fixture? string Restore the VM from fixtures/NAME.fixture.lua (no memory, cpus or performance mode with it)
---@field cmdline? string Kernel command line of this VM, after its profile's
---@field boot_timeout? provium.Duration Until the guest agent connects, for this VM's boots (default: its profile's boot_timeout, else "5m")
---@field cloud_init? boolean|provium.CloudInitOptions A cloud-init NoCloud seed of its own for each boot (true; false turns its profile's cloud_init off; doc/guests.md)
---@field disks? provium.DiskOptions[] More disks beside the root disk, replacing its profile's: virtio ones vdb, vdc... (after vda), SCSI ones sda, sdb...
---@field firmware? "bios"|"efi" "efi": UEFI firmware libvirt picks (Debian: ovmf); default its profile's firmware, else "bios"

---@class provium.CloudInitOptions
---@field user_data? string The seed's user-data ("#cloud-config ..."), instead of its profile's user_data file
---@field meta_data? table Keys merged over provium's meta-data (instance-id, local-hostname = the VM's name)
---@field network_config? string The seed's network-config, instead of provium's (version 2, its NICs by MAC)

---@class provium.DiskOptions
---@field size? provium.Size A blank qcow2 disk of this size (give size or file)
---@field file? string An image (relative to the test file) the VM boots an overlay of: never written
---@field bus? "virtio"|"scsi" Default "virtio"; "scsi" puts it on a virtio-scsi controller

---@class provium.NicOptions
---@field net string The network's name in the file (or the table provium:network() returned)
---@field ip? string A fixed address in it; else provium picks one

---@class provium.NetworkOptions
---@field cidr string "192.168.100.0/24": the network's addresses
---@field dhcp? boolean Addresses by DHCP (with host: libvirt's dnsmasq, fixed leases)
---@field host? string The host's address on the network; none: isolated from the host
---@field forward? "nat" Route the guests out through the host

---@class provium.ClaimOptions
---@field memory? provium.Size The most the file's VMs use at once
---@field cpus? integer The most vCPUs the file's VMs use at once
---@field llcs? integer LLC groups to lock for the whole file (performance mode)

---@class provium.Provium
---@field run_id string This run's id
---@field prefix string This run's domain name prefix
---@field file string The test file's path, as given
provium = {}

---Declares a VM from a profile of provium.conf (default "default"); the
---options override the profile.  Boots nothing: see VM:boot().
---  provium:vm("web")  provium:vm("web", "tiny")  provium:vm("web", {memory = "512M"})
---  provium:vm("web", "tiny", {cpus = 2})
---@param name string The VM's name, unique in the file
---@param profile? string|provium.VmOptions A profile name, or the options
---@param opts? provium.VmOptions When a profile name is given
---@return provium.VM
function provium:vm(name, profile, opts) end

---At the file's top level: a network of this file alone, a transient libvirt
---network created before the first test and destroyed when the file ends.
---  provium:network("lan", {cidr = "192.168.100.0/24", dhcp = true})
---@param name string 1 to 24 letters, digits, '-', '_' or '.'
---@param opts provium.NetworkOptions
---@return table network name, cidr, host, dhcp, forward ("none" or "nat"), and libvirt's
---  network (its name) and bridge
function provium:network(name, opts) end

---At the file's top level: what the file's VMs need at most, taken from the
---pool when the file starts and held until it ends.
---@param opts provium.ClaimOptions
function provium:claim(opts) end

---Sleeps; a signal or a timeout interrupts it.
---@param duration provium.Duration
function provium:sleep(duration) end

---Boots VMs together and returns when every guest agent is connected: their
---memory and vCPUs are taken all at once, and each starts as soon as the
---boot gate lets it.  When one fails, the call fails with every failed VM's
---reason and console, and the VMs that did boot are destroyed.
---  provium.boot({east, west})
---@param vms provium.VM[]
---@param opts? provium.BootOptions For every VM of the call
---@return provium.VM[] vms
function provium.boot(vms, opts) end

---A file of the host: its bytes.  A relative path is from the test file's
---directory, whatever code calls it (a helper module, pcall()); in a fixture
---file (its top level and its setup), from the fixture file's.
---@param path string
---@return string
function provium.read_host_file(path) end

---@class provium.FixtureOptions
---@field profile? string The profile its VM boots (default "default")
---@field inputs? string[] Files its setup reads, relative to the fixture file: a change rebuilds it

---@class provium.Fixture

---In fixtures/NAME.fixture.lua: return fixture("NAME", {...}, function(vm) ... end).
---The setup runs once on a booted VM; its state is saved and restored by
---every VM made with {fixture = "NAME"}.
---@param name string The file's NAME
---@param opts provium.FixtureOptions
---@param setup fun(vm: provium.VM)
---@return provium.Fixture
function fixture(name, opts, setup) end

-------------------------------------------------------------------------------
-- VMs (src/lua/pv-lua-vm.c)

---@class provium.BootOptions
---@field memory? provium.Size
---@field cpus? integer
---@field timeout? provium.Duration Until the guest agent connects (default "5m")
---@field agent? boolean false: do not wait for the guest agent
---@field ready? "agent"|"systemd"|"cloud-init" After the agent, wait (within timeout) until systemd says running (degraded fails, naming the failed units) or cloud-init has finished (its errors fail)
---@field performance_mode? boolean
---@field llcs? integer
---@field cores? integer
---@field threads? integer

---@class provium.RunOptions
---@field stdin? string Written to the command's standard input
---@field env? table<string, string|number> Environment variables (PATH has a default)
---@field timeout? provium.Duration

---@class provium.WriteFileOptions
---@field mode? string An octal mode such as "0600"; without it a new file is 0644, an existing one keeps its mode

---@class provium.ShutdownOptions
---@field timeout? provium.Duration How long the guest has to power off

---A VM of the test file: an ordinary libvirt domain once booted.  As a
---to-be-closed variable (`local vm <close> = ...`) it is destroyed at the
---end of its scope.
---@class provium.VM
local VM = {}

---Boots the VM and waits for its guest agent; returns the VM.  A VM made
---inside a test ends with that test; one made at the top level, with the
---file.
---@param opts? provium.BootOptions
---@return provium.VM
function VM:boot(opts) end

---Starts booting the VM and returns once its domain started; VM:wait()
---waits for its guest agent.  Several VMs started in turn boot together.
---@param opts? provium.BootOptions
---@return provium.VM
function VM:start(opts) end

---Waits until the guest agent of a VM that VM:start() started is connected.
---@return provium.VM
function VM:wait() end

---Runs a command in the guest: a string goes through /bin/sh -c, a table
---is an argv (no shell).  Its output arrives whole, up to 64 MiB of each
---stream (more raises an error), through files in the guest's /tmp.
---@param command string|string[]
---@param opts? provium.RunOptions
---@return provium.RunResult
function VM:run(command, opts) end

---Writes a file in the guest.
---@param path string
---@param data string
---@param opts? provium.WriteFileOptions
function VM:write_file(path, data, opts) end

---Reads a file of the guest.
---@param path string
---@return string
function VM:read_file(path) end

---The VM's serial console (after boot).
---@return provium.Console
function VM:console() end

---Powers the guest off and waits for it to stop.
---@param opts? provium.ShutdownOptions
function VM:shutdown(opts) end

---Reboots the guest (through its agent, else ACPI) and returns once its agent
---answers from the new boot and its NICs have their addresses again.
---@param opts? provium.ShutdownOptions timeout: default the boot's ("5m", or the profile's boot_timeout)
---@return provium.VM
function VM:reboot(opts) end

---Destroys the domain at once.
function VM:destroy() end

---A VM made with {fixture = NAME}: back to the fixture's saved state (its
---domain is destroyed and restored again).
---@return provium.VM
function VM:reset() end

---The libvirt domain's name, nil before the first boot.
---@return string?
function VM:name() end

---The address provium gave the VM's NIC on network net (known before the boot).
---@param net string
---@return string
function VM:ip(net) end

---The MAC address of the VM's NIC on network net.
---@param net string
---@return string
function VM:mac(net) end

---Pulls (false) or plugs back (true) the virtual cable of the VM's NIC on net.
---@param net string
---@param up boolean
---@return provium.VM self
function VM:link(net, up) end

---The VM's state, and for a stopped VM why it stopped.
---@return provium.VmState state
---@return string? reason
function VM:state() end

-------------------------------------------------------------------------------
-- Command results (src/lua/pv-lua-result.c)

---@class provium.RunResult
---@field command string The command as written
---@field exit_code integer? nil when the command timed out or was killed
---@field signal integer? The signal that killed the command
---@field timed_out boolean
---@field truncated boolean Always false: output arrives whole, or vm:run() raises
---@field stdout string
---@field stderr string
local RunResult = {}

---True when the command exited with 0 and did not time out.
---@return boolean
function RunResult:ok() end

---Raises (with the command, its status and the end of stderr) unless ok();
---returns the result.
---@param msg? string
---@return provium.RunResult
function RunResult:assert_ok(msg) end

-------------------------------------------------------------------------------
-- Serial consoles (src/lua/pv-lua-console.c)

---@alias provium.ConsoleCheck "panic"|"oops"|"bug"|"oom"|"segfault"|"call_trace"|"all"

---@class provium.Console
local Console = {}

---The running test expects these on the console: they do not fail it.
---Until the test ends.
---@param ... provium.ConsoleCheck
---@return provium.Console
function Console:allow(...) end

---Waits until the Lua pattern appears on the console after the previous
---match of this console object; returns its first capture or the match.
---@param pattern string A Lua pattern
---@param timeout? provium.Duration Default "30s"
---@return string
function Console:expect(pattern, timeout) end

---Types the text into the console as it is: "\r" is the Enter key,
---"\x03" Ctrl-C.  The console's stream stays open until the domain stops;
---another session holding the console (a `virsh console`) is an error.
---@param text string
---@return provium.Console
function Console:send(text) end

---Everything the console printed so far.
---@return string
function Console:text() end
