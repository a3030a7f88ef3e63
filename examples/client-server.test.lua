-- Two VMs on a network of their own: a web server and its client.
--
-- The network is isolated (no route to the host or beyond) and exists only
-- while this file runs, so another file may use the same addresses at the
-- same time.  Addresses are decided when the VMs are made: vm:ip() answers
-- before the boot, and the guests have them when the boot returns.

provium:network("lan", {cidr = "192.168.100.0/24"})
local server = provium:vm("server", {nics = {{net = "lan", ip = "192.168.100.10"}}})
local client = provium:vm("client", {nics = {"lan"}})

test("the client fetches a page from the server", function(t)
    provium.boot({server, client})
    server:run("mkdir -p /srv/www && echo 'hello from the server' > /srv/www/index.html")
        :assert_ok()
    server:run({"httpd", "-p", "80", "-h", "/srv/www"}):assert_ok()
    local r = client:run({"wget", "-q", "-O", "-", "http://" .. server:ip("lan") .. "/"})
    r:assert_ok()
    t:assert_eq("hello from the server\n", r.stdout)
end)

test("a pulled cable cuts the client off", function(t)
    client:link("lan", false)
    local r = client:run({"wget", "-q", "-T", "2", "-O", "-", "http://" .. server:ip("lan") .. "/"})
    t:assert(not r:ok(), "the server answered over a pulled cable")
    client:link("lan", true)
    t:assert(client:run({"ping", "-c", "3", "-W", "2", server:ip("lan")}):ok())
end)
