-- prelude.lua: loaded into every test file's Lua state before the file runs.
--
-- It defines the globals a test file uses (test, wait_until) and the test
-- context `t` with its assertions.  The C side (src/lua/) provides the
-- `provium` object, VMs, command results and consoles, and calls back into
-- the runner table this chunk returns.

local pv = ...  -- provium's private C helpers; not visible to test files

local runner = {}
local tests = {}
local by_name = {}

-- A unique value raised by t:skip(), so nothing else can look like a skip.
local SKIP = setmetatable({}, { __tostring = function() return "skip" end })

-- The name of the test running now, if one is: test() inside it is a mistake.
local running

local TEST_OPTIONS = { tags = true, timeout = true, skip = true }
local WAIT_OPTIONS = { timeout = true, interval = true }

-- Where a message should point: the innermost stack frame that belongs to
-- the test file (not the prelude, not C).
local function where()
    local level = 2
    while true do
        local info = debug.getinfo(level, "Sl")
        if not info then
            return nil
        end
        if info.source == pv.chunkname and info.currentline > 0 then
            return pv.path .. ":" .. info.currentline
        end
        level = level + 1
    end
end
runner.where = where

local function raise(msg)
    local loc = where()
    error(loc and (loc .. ": " .. msg) or msg, 0)
end

function test(name, opts, fn)
    -- test(name, fn): the options are optional
    if fn == nil then
        fn, opts = opts, {}
    end
    -- busted's nesting: the inner test would never run, and the outer pass.
    if running then
        raise("test() inside a test: declare tests at a file's top level")
    end
    if type(name) ~= "string" or name == "" then
        raise("test(): the first argument must be the test's name (a string)")
    end
    -- C, the events and the reports would cut the name there ("a\0one" and
    -- "a\0two" would be one test "a").
    if name:find("\0", 1, true) then
        raise(string.format("test(%q): the test's name holds a NUL byte (\\0), which names, " ..
                            "paths, a command's arguments and its environment cannot hold",
                            name))
    end
    if type(opts) ~= "table" then
        raise(string.format("test(%q): the options must be a table, e.g. {timeout = \"30s\"}", name))
    end
    if type(fn) ~= "function" then
        raise(string.format("test(%q): the last argument must be the test's function", name))
    end
    for key in pairs(opts) do
        if not TEST_OPTIONS[key] then
            raise(string.format("test(%q): unknown option '%s' (known: skip, tags, timeout)",
                                name, tostring(key)))
        end
    end
    if by_name[name] then
        raise(string.format("test %q is defined twice (first at line %d)", name,
                            by_name[name].line))
    end
    local timeout_ns
    if opts.timeout ~= nil then
        local ns, err = pv.parse_duration(opts.timeout)
        if not ns then
            raise(string.format("test(%q): timeout: %s", name, err))
        end
        timeout_ns = ns
    end
    local tags = {}
    if opts.tags ~= nil then
        if type(opts.tags) ~= "table" then
            raise(string.format("test(%q): tags must be a list of strings", name))
        end
        for _, tag in ipairs(opts.tags) do
            if type(tag) ~= "string" or not tag:match("^[%w_.:-]+$") then
                raise(string.format("test(%q): tag %q is not a tag: a tag is a string of " ..
                                    "letters, digits, '-', '_', '.', ':'", name,
                                    tostring(tag)))
            end
            tags[#tags + 1] = tag
        end
    end
    local skip = opts.skip
    if skip ~= nil and skip ~= false then
        skip = skip == true and "skipped" or tostring(skip)
    else
        skip = nil
    end
    local info = debug.getinfo(2, "l")
    local entry = {
        name = name, fn = fn, tags = tags, timeout_ns = timeout_ns, skip = skip,
        line = info and info.currentline or 0,
    }
    tests[#tests + 1] = entry
    by_name[name] = entry
end

-- Values as a message shows them: strings quoted, tables shallowly.
local function show(v)
    if type(v) == "string" then
        -- %q writes a newline as a backslash and a newline: keep it on one line
        return (string.format("%q", v):gsub("\\\n", "\\n"))
    elseif type(v) == "table" and getmetatable(v) == nil then
        local parts = {}
        for i, item in ipairs(v) do
            if i > 8 then
                parts[#parts + 1] = "..."
                break
            end
            parts[#parts + 1] = show(item)
        end
        for k, item in pairs(v) do
            if type(k) ~= "number" or k < 1 or k > #v or math.type(k) ~= "integer" then
                if #parts > 16 then
                    parts[#parts + 1] = "..."
                    break
                end
                parts[#parts + 1] = tostring(k) .. " = " .. show(item)
            end
        end
        return "{" .. table.concat(parts, ", ") .. "}"
    end
    return tostring(v)
end
runner.show = show

local function equal(a, b, seen)
    if a == b then
        return true
    end
    if type(a) ~= "table" or type(b) ~= "table" or getmetatable(a) or getmetatable(b) then
        return false
    end
    seen = seen or {}
    if seen[a] == b then
        return true
    end
    seen[a] = b
    for k, v in pairs(a) do
        if not equal(v, b[k], seen) then
            return false
        end
    end
    for k in pairs(b) do
        if a[k] == nil then
            return false
        end
    end
    return true
end

local T = {}
T.__index = T
T.__name = "provium.Test"

-- --debug-on-failure: opens the prompt on the running test's first failure,
-- where it happens (defined below).
local debug_on_failure

local function prefixed(msg, text)
    if msg ~= nil then
        return tostring(msg) .. ": " .. text
    end
    return text
end

-- A test's `t` used after the test ended (from a coroutine or a callback
-- that outlived it): an error of its own, never a result of the test
-- running then.
local function check_running(self, method, msg)
    if self._ended then
        raise(string.format("t:%s(%s): test %s has ended; a test's t works only while it " ..
                            "runs (a coroutine that outlived it?)", method,
                            msg ~= nil and show(msg) or "", show(self.name)))
    end
end

function T:fail(msg)
    check_running(self, "fail", msg)
    local loc = where()
    local text = tostring(msg or "failed")
    if loc then
        text = loc .. ": " .. text
    end
    -- Recorded before raising: a pcall in the test cannot make it pass.
    self._failures[#self._failures + 1] = text
    debug_on_failure(text)
    error(text, 0)
end

function T:assert(cond, msg)
    if not cond then
        self:fail(msg or "assertion failed")
    end
    return cond
end

function T:assert_eq(expected, actual, msg)
    if not equal(expected, actual) then
        self:fail(prefixed(msg, "expected " .. show(expected) .. ", got " .. show(actual)))
    end
end

function T:assert_neq(a, b, msg)
    if equal(a, b) then
        self:fail(prefixed(msg, "expected a value other than " .. show(a)))
    end
end

function T:assert_contains(haystack, needle, msg)
    local found = false
    if type(haystack) == "string" then
        found = string.find(haystack, tostring(needle), 1, true) ~= nil
    elseif type(haystack) == "table" then
        for _, v in pairs(haystack) do
            if equal(v, needle) then
                found = true
                break
            end
        end
    else
        self:fail(prefixed(msg, "assert_contains: expected a string or a table, got " ..
                           type(haystack)))
    end
    if not found then
        local shown = show(haystack)
        if #shown > 400 then
            shown = shown:sub(1, 400) .. "..."
        end
        self:fail(prefixed(msg, show(needle) .. " not found in " .. shown))
    end
end

function T:assert_raises(fn, msg)
    if type(fn) ~= "function" then
        self:fail("assert_raises: expected a function")
    end
    local ok, err = pcall(fn)
    if ok then
        self:fail(prefixed(msg, "expected an error, but none was raised"))
    end
    if err == SKIP then
        error(err, 0)
    end
    return err
end

function T:skip(reason)
    check_running(self, "skip", reason)
    self._skipped = reason and tostring(reason) or "skipped"
    error(SKIP, 0)
end

function T:log(msg)
    local text = tostring(msg)
    pv.log(text)
end

function wait_until(fn, opts)
    if type(fn) ~= "function" then
        raise("wait_until: the first argument must be a function")
    end
    opts = opts or {}
    if type(opts) ~= "table" then
        raise("wait_until: the options must be a table, e.g. {timeout = \"30s\"}")
    end
    for key in pairs(opts) do
        if not WAIT_OPTIONS[key] then
            raise(string.format("wait_until: unknown option '%s' (known: interval, timeout)",
                                tostring(key)))
        end
    end
    local timeout, err = pv.parse_duration(opts.timeout or "10s")
    if not timeout then
        raise("wait_until: timeout: " .. err)
    end
    local interval
    interval, err = pv.parse_duration(opts.interval or "100ms")
    if not interval then
        raise("wait_until: interval: " .. err)
    end
    local deadline = pv.now() + timeout
    local last_error
    while true do
        local ok, value = pcall(fn)
        if ok and value then
            return value
        end
        if not ok then
            last_error = value
        end
        if pv.now() >= deadline then
            local text = "wait_until: condition not met within " .. pv.format_duration(timeout)
            if last_error ~= nil then
                text = text .. " (last error: " .. tostring(last_error) .. ")"
            end
            raise(text)
        end
        pv.sleep(math.min(interval, deadline - pv.now()))
    end
end

-- The test file's frames on the stack, innermost first, as
-- "path:line: in function 'name'".
local function traceback(level)
    local lines = {}
    while true do
        local info = debug.getinfo(level + 1, "Sln")
        if not info then
            break
        end
        if info.source == pv.chunkname and info.currentline > 0 then
            local what = info.name and ("in function '" .. info.name .. "'") or "in test"
            lines[#lines + 1] = "\t" .. pv.path .. ":" .. info.currentline .. ": " .. what
        end
        level = level + 1
    end
    return table.concat(lines, "\n")
end

-- The upvalues of @fn (a test file's function: the file's top-level VMs).
local function debug_upvalues(vars, fn)
    local i = 1
    while true do
        local name, value = debug.getupvalue(fn, i)
        if not name then
            break
        end
        if name ~= "_ENV" and vars[name] == nil then
            vars[name] = value
        end
        i = i + 1
    end
end

-- --debug-on-failure: the variables a prompt sees.  From the innermost
-- frame of the test file outwards, each frame's locals, then its function's
-- upvalues; an inner name hides an outer one.
local function debug_frames(vars)
    local level = 2
    while true do
        local info = debug.getinfo(level, "Sf")
        if not info then
            break
        end
        if info.source == pv.chunkname then
            local i = 1
            while true do
                local name, value = debug.getlocal(level, i)
                if not name then
                    break
                end
                if name:sub(1, 1) ~= "(" and vars[name] == nil then
                    vars[name] = value
                end
                i = i + 1
            end
            debug_upvalues(vars, info.func)
        end
        level = level + 1
    end
end

-- The prompt: each line is evaluated in the test's environment (as an
-- expression first, whose values are printed, else as a statement); it
-- ends at the end of input, "cont", or when the run is cancelled.  begin()
-- says what the prompt is for as it opens.
local function debug_prompt(vars, begin)
    -- print() at the prompt shows on the terminal, not in the file's log.
    if vars.print == nil then
        vars.print = function(...)
            local parts = table.pack(...)
            for i = 1, parts.n do
                parts[i] = tostring(parts[i])
            end
            pv.debug_write(table.concat(parts, "\t", 1, parts.n))
        end
    end
    local env = setmetatable({}, {
        __index = function(_, key)
            local value = vars[key]
            if value == nil then
                value = _ENV[key]
            end
            return value
        end,
        __newindex = vars,
    })
    begin()
    while true do
        local line = pv.readline("provium> ")
        if line == nil or line:match("^%s*cont%s*$") then
            break
        end
        if line:match("%S") then
            local chunk, err = load("return " .. line, "=prompt", "t", env)
            if not chunk then
                chunk, err = load(line, "=prompt", "t", env)
            end
            if not chunk then
                pv.debug_write(err)
            else
                local results = table.pack(pcall(chunk))
                if not results[1] then
                    pv.debug_write("error: " .. tostring(results[2]))
                elseif results.n > 1 then
                    local shown = {}
                    for i = 2, results.n do
                        shown[#shown + 1] = runner.show(results[i])
                    end
                    pv.debug_write(table.concat(shown, "\t"))
                end
            end
        end
    end
    pv.debug_end()
end

-- The running test, for the prompt.
local current

function debug_on_failure(message)
    if pv.debug_on_failure and current and not current.prompted then
        local vars = { t = current.t }
        current.prompted = true
        debug_frames(vars)
        debug_upvalues(vars, current.fn)
        local name = current.name
        pcall(debug_prompt, vars, function() pv.debug_begin(name, message) end)
    end
end

-- provium shell (cmd-shell.c): the file it writes boots a VM of @profile in
-- its one test and opens the prompt with `vm` and `t` in scope.  Test files
-- of a run do not see it.
if pv.shell then
    function provium_shell_prompt(vm, t, profile)
        debug_prompt({ vm = vm, t = t }, function() pv.shell_begin(profile) end)
    end
end

-- A message handler for xpcall: skips and recorded failures pass through;
-- anything else gets a traceback limited to the test file.  With
-- --debug-on-failure, a failure opens the prompt here, where the failing
-- frames' locals still are.
local function handler(err)
    if err == SKIP or (type(err) == "table" and err.provium_skip) then
        return err
    end
    local text = type(err) == "string" and err or
        string.format("(error object is a %s value) %s", type(err), tostring(err))
    debug_on_failure(text)
    return { message = text, traceback = traceback(2) }
end

function runner.count()
    return #tests
end

function runner.info(i)
    local entry = tests[i]
    return entry.name, entry.skip, entry.timeout_ns, entry.tags
end

-- Runs test i.  Returns its status ("passed", "failed", "skipped"), a
-- message, and for a skip the host imposed its cause ("perf_mode_unavailable").
function runner.run(i)
    local entry = tests[i]
    local t = setmetatable({ name = entry.name, _failures = {} }, T)
    if entry.skip then
        return "skipped", entry.skip, nil
    end
    current = { t = t, name = entry.name, fn = entry.fn }
    running = entry.name
    local ok, err = xpcall(entry.fn, handler, t)
    running = nil
    current = nil
    t._ended = true
    local cause
    if not ok and type(err) == "table" and err.provium_skip then
        -- the host cannot do what the test asked (performance mode)
        t._skipped = err.provium_skip
        cause = err.cause
    end
    if t._skipped and #t._failures == 0 then
        return "skipped", t._skipped, cause
    end
    if #t._failures > 0 then
        return "failed", t._failures[1], nil
    end
    if not ok then
        if type(err) == "table" and err.message then
            local text = err.message
            -- One frame adds nothing to a message that names its line.
            if err.traceback:find("\n", 1, true) and not text:find("\n", 1, true) then
                text = text .. "\nstack traceback:\n" .. err.traceback
            end
            return "failed", text, nil
        end
        return "failed", tostring(err), nil
    end
    return "passed", nil, nil
end

return runner
