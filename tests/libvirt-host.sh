# libvirt-host.sh: sourced by tests that need a libvirt host unlike this
# machine, or more than one host.  Each "host" is one more libvirtd (with a
# virtlogd of its own) on this machine, in a mount namespace of its own,
# reached over TCP as a remote host is.
#
#   host_start NAME [--no-cache-banks] [--no-kvm]
#       Starts host NAME.  Its daemons see private, empty /tmp, /var/cache,
#       /var/lib/libvirt and /run/libvirt (its sockets and pid files are
#       there), and an /etc/libvirt of their own: this machine's qemu.conf
#       (except that owners of shared files are not remembered in their
#       extended attributes, where this machine's daemon keeps its own) and
#       nwfilter rules, a libvirtd.conf listening on 127.0.0.1 on a port of
#       its own, and none of this machine's domains, networks or pools.
#       --no-cache-banks binds an empty directory over each
#       /sys/devices/system/cpu/cpu*/cache: libvirt then reports no cache
#       banks, as on a CI machine whose CPU gives no cache information.
#       --no-kvm binds /dev/null over /dev/kvm: libvirt then offers no KVM,
#       as on a machine without /dev/kvm.  (Not an empty file, which would
#       spare libvirt probing QEMU again at each domain start: libvirt
#       cannot move a regular file into a domain's /dev.)
#       Returns 0 once it answers at $(host_uri NAME); 77 when this machine
#       cannot have such a host (not root, unshare not permitted, no
#       libvirtd): $HOST_SKIP says why, in one line; 1 when it did not come
#       up (host_log NAME says why).
#   host_uri NAME       qemu+tcp://127.0.0.1:PORT/system
#   host_log NAME       prints its supervisor's and daemons' logs
#   host_shared_dir     a directory this machine and every host see (mode
#                       0755, outside what the hosts make private): put there
#                       what a host must read by path, such as a run's
#                       results directory (overlays, console logs)
#   host_stop NAME      destroys what is left on it (domains, networks),
#                       stops its daemons, and checks that no process of its
#                       namespace is left (with it go its mounts); returns 1,
#                       after killing them, when one was
#   host_kill NAME [SIGNAL]
#                       sends SIGNAL (KILL unless given; STOP makes a daemon
#                       that no longer answers) to its libvirtd alone, as a
#                       daemon that crashed or hangs: its domains' QEMU
#                       processes run on, and host_stop kills them without
#                       counting them as left (a stopped daemon is killed
#                       first)
#   host_stop_all       every host this shell started, then the shared
#                       directory: call it when the test ends (with lib.sh:
#                       at_exit host_stop_all)
#
# Only what goes through libvirt's API works on such a host, as on a remote
# one: paths under this machine's /tmp (a test's $WORK) do not exist there,
# and the test image, given by path, must be outside the private
# directories.  A host whose test shell dies (SIGKILL) stops by itself: its
# supervisor, inside the namespace, watches the shell's pid, and removes
# the hosts' directory when it was the last.
#
# Its TCP port takes no authentication (auth_tcp = "none", on 127.0.0.1
# only), as libvirt allows for tests: while it runs, any local user could
# drive that daemon, which runs as root.  Run these tests only on a machine
# where that is acceptable.

HOSTS_DIR=""
HOSTS_STARTED=""
HOST_SKIP=""

# host_shared_dir: made on first use.
host_shared_dir() {
    _host_dirs || return 1
    echo "$HOSTS_DIR/shared"
}

_host_dirs() {
    [ -n "$HOSTS_DIR" ] && return 0
    HOSTS_DIR=$(mktemp -d /var/tmp/pv-hosts-XXXXXX) || return 1
    chmod 0755 "$HOSTS_DIR"
    mkdir -m 0755 "$HOSTS_DIR/shared"
}

host_uri() { cat "$HOSTS_DIR/$1/uri"; }
host_log() {
    for _h_f in log libvirtd.log virtlogd.log; do
        [ -s "$HOSTS_DIR/$1/$_h_f" ] && sed "s|^|$1 $_h_f: |" "$HOSTS_DIR/$1/$_h_f"
    done
    return 0
}

# _host_can: whether this machine can have such a host; sets HOST_SKIP.
_host_can() {
    if [ "$(id -u)" != 0 ]; then
        HOST_SKIP="a second libvirt host needs root (libvirtd, mount namespaces)"
        return 1
    fi
    for _h_tool in unshare libvirtd virtlogd virsh; do
        if ! command -v "$_h_tool" > /dev/null 2>&1 && [ ! -x "/usr/sbin/$_h_tool" ]; then
            HOST_SKIP="a second libvirt host needs $_h_tool, which is not installed"
            return 1
        fi
    done
    if ! unshare --mount --propagation private sh -c 'mount -t tmpfs pv-probe /tmp' \
            > /dev/null 2>&1; then
        HOST_SKIP="unshare --mount is not permitted here (a container without CAP_SYS_ADMIN?): no second libvirt host"
        return 1
    fi
    return 0
}

# _host_free_port: a TCP port nothing listens on, from 20000 up.
_host_free_port() {
    _h_port=$((20000 + $$ % 20000))
    while awk -v p="$(printf '%04X' "$_h_port")" \
            'NR > 1 && $4 == "0A" && substr($2, index($2, ":") + 1) == p { found = 1 }
             END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null; do
        _h_port=$((_h_port + 1))
    done
    echo "$_h_port"
}

# The supervisor: runs inside the new mount namespace as
#   sh -c "$_HOST_SUPERVISOR" host STATE PORT OWNER NO_CACHE NO_KVM
# It makes the private view, starts virtlogd and libvirtd, and waits for
# STATE/stop or its owner's end; then it stops everything it started.
_HOST_SUPERVISOR='
set -u
state=$1 port=$2 owner=$3 no_cache=$4 no_kvm=$5
say() { echo "host: $*"; }
set -e
for d in /tmp /var/cache /var/lib/libvirt /run/libvirt; do
    mkdir -p "$d"
    mount -t tmpfs -o mode=0755 pv-host "$d"
done
chmod 1777 /tmp
mkdir /tmp/etc-libvirt
# The qemu.conf of this machine (who QEMU runs as, its security drivers),
# except that the owners of shared files (the test image) are not
# remembered in their extended attributes: the daemon of this machine keeps
# its own there.
if [ -f /etc/libvirt/qemu.conf ]; then
    grep -v "^[[:space:]]*remember_owner[[:space:]]*=" /etc/libvirt/qemu.conf \
        > /tmp/etc-libvirt/qemu.conf || :
fi
echo "remember_owner = 0" >> /tmp/etc-libvirt/qemu.conf
[ -d /etc/libvirt/nwfilter ] && cp -a /etc/libvirt/nwfilter /tmp/etc-libvirt/
cat > /tmp/etc-libvirt/libvirtd.conf <<CONF
listen_tls = 0
listen_tcp = 1
listen_addr = "127.0.0.1"
tcp_port = "$port"
auth_tcp = "none"
log_outputs = "3:file:$state/libvirtd.log"
CONF
cat > /tmp/etc-libvirt/virtlogd.conf <<CONF
log_outputs = "3:file:$state/virtlogd.log"
CONF
mount --bind /tmp/etc-libvirt /etc/libvirt
if [ "$no_cache" = 1 ]; then
    for d in /sys/devices/system/cpu/cpu[0-9]*/cache; do
        [ -d "$d" ] && mount -t tmpfs -o mode=0755,size=4k pv-no-cache "$d"
    done
fi
if [ "$no_kvm" = 1 ] && [ -e /dev/kvm ]; then
    mount --bind /dev/null /dev/kvm
fi
set +e
virtlogd -d -p /run/libvirt/virtlogd.pid
if command -v tini > /dev/null 2>&1; then
    # tini reaps what libvirt daemonizes (QEMU) at once, as on the host
    # tools/setup-debian.sh sets up
    tini -s -- libvirtd --listen -p /run/libvirt/libvirtd.pid < /dev/null &
else
    libvirtd --listen -d -p /run/libvirt/libvirtd.pid < /dev/null
fi
touch "$state/started"
while kill -0 "$owner" 2> /dev/null && [ ! -e "$state/stop" ]; do
    sleep 0.5
done
say "stopping"
v="virsh -q -c qemu:///system"
for d in $($v list --all --name 2> /dev/null); do
    say "destroying domain $d"
    $v destroy "$d" > /dev/null 2>&1
    $v undefine --nvram "$d" > /dev/null 2>&1 || $v undefine "$d" > /dev/null 2>&1
done
for n in $($v net-list --all --name 2> /dev/null); do
    say "destroying network $n"
    $v net-destroy "$n" > /dev/null 2>&1
    $v net-undefine "$n" > /dev/null 2>&1
done
for p in libvirtd virtlogd; do
    pid=$(cat "/run/libvirt/$p.pid" 2> /dev/null) || continue
    kill "$pid" 2> /dev/null
    i=0
    while kill -0 "$pid" 2> /dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -9 "$pid" 2> /dev/null
done
wait
say "stopped"
# A test that died (SIGKILL) stops no host: leave nothing of ours either.
if [ ! -e "$state/stop" ]; then
    hosts=${state%/*}
    rm -rf "$state"
    [ "$(ls "$hosts")" = shared ] && rm -rf "$hosts"
fi
'

host_start() {
    _h_name=$1
    shift
    _h_no_cache=0
    _h_no_kvm=0
    for _h_opt in "$@"; do
        case $_h_opt in
        --no-cache-banks) _h_no_cache=1 ;;
        --no-kvm) _h_no_kvm=1 ;;
        *) echo "host_start: unknown option $_h_opt" >&2; return 1 ;;
        esac
    done
    _host_can || return 77
    _host_dirs || return 1
    _h_state="$HOSTS_DIR/$_h_name"
    mkdir -m 0700 "$_h_state" || return 1
    _h_port=$(_host_free_port)
    _h_uri="qemu+tcp://127.0.0.1:$_h_port/system"
    echo "$_h_uri" > "$_h_state/uri"
    PATH="$PATH:/usr/sbin:/sbin" unshare --mount --propagation private \
        sh -c "$_HOST_SUPERVISOR" host "$_h_state" "$_h_port" "$$" "$_h_no_cache" "$_h_no_kvm" \
        > "$_h_state/log" 2>&1 < /dev/null &
    echo $! > "$_h_state/pid"
    HOSTS_STARTED="$HOSTS_STARTED $_h_name"
    # The namespace, to find every process of it at the end.
    _h_i=0
    until [ -e "$_h_state/started" ] || ! kill -0 "$(cat "$_h_state/pid")" 2> /dev/null ||
          [ $_h_i -ge 300 ]; do
        sleep 0.1
        _h_i=$((_h_i + 1))
    done
    _h_ns=$(readlink "/proc/$(cat "$_h_state/pid")/ns/mnt" 2> /dev/null)
    [ -n "$_h_ns" ] && [ "$_h_ns" != "$(readlink /proc/$$/ns/mnt)" ] && echo "$_h_ns" > "$_h_state/ns"
    # Up when it answers (libvirtd probes QEMU's capabilities first).
    _h_i=0
    until virsh -q -c "$_h_uri" version > /dev/null 2>&1; do
        if ! kill -0 "$(cat "$_h_state/pid")" 2> /dev/null || [ $_h_i -ge 600 ]; then
            echo "host $_h_name did not answer at $_h_uri" >> "$_h_state/log"
            return 1
        fi
        sleep 0.1
        _h_i=$((_h_i + 1))
    done
    return 0
}

# host_start_or_skip NAME WHAT [OPTION...]: host_start as a test begins.
# Where a second host cannot run here: one SKIP line (WHAT names what is
# skipped) and exit 0.  A host that does not come up fails the test, with
# the end of its log.
host_start_or_skip() {
    _h_first=$1
    _h_what=$2
    shift 2
    host_start "$_h_first" "$@"
    _h_started=$?
    if [ $_h_started = 77 ]; then
        ok "$_h_what # SKIP $HOST_SKIP"
        exit 0
    fi
    check "a second libvirtd answers over TCP" test $_h_started = 0
    if [ $_h_started != 0 ]; then
        host_log "$_h_first" | sed "s/^/# /" | tail -40
        exit 1
    fi
}

# _host_ns_pids NS: the processes in mount namespace NS ("mnt:[...]").
_host_ns_pids() {
    for _h_p in /proc/[0-9]*; do
        [ "$(readlink "$_h_p/ns/mnt" 2> /dev/null)" = "$1" ] && echo "${_h_p#/proc/}"
    done
}

# _host_descendants PID: the processes under PID, however deep.
_host_descendants() {
    for _h_p in /proc/[0-9]*; do
        _h_s=$(cat "$_h_p/stat" 2> /dev/null) || continue
        echo "${_h_p#/proc/} $(echo "${_h_s##*) }" | cut -d' ' -f2)"
    done | awk -v root="$1" '{ parent[$1] = $2 }
        END {
            want[root] = 1
            do {
                more = 0
                for (p in parent)
                    if (!(p in want) && (parent[p] in want)) { want[p] = 1; more = 1 }
            } while (more)
            for (p in want) if (p != root) print p
        }'
}

host_kill() {
    _h_state="$HOSTS_DIR/$1"
    _h_ns=$(cat "$_h_state/ns" 2> /dev/null) || return 1
    # never this shell's own namespace, whatever the file says
    [ "$_h_ns" != "$(readlink /proc/$$/ns/mnt)" ] || return 1
    # Its domains' QEMU (in mount namespaces of libvirt's own), now under
    # the supervisor's tini, which ends with the daemon: host_stop kills
    # them, since no daemon is left to destroy them.
    for _h_p in $(_host_descendants "$(cat "$_h_state/pid")"); do
        case $(cat "/proc/$_h_p/comm" 2> /dev/null) in
        qemu-system-*) echo "$_h_p" >> "$_h_state/qemu" ;;
        esac
    done
    touch "$_h_state/killed"
    _h_sent=1
    for _h_p in $(_host_ns_pids "$_h_ns"); do
        if [ "$(cat "/proc/$_h_p/comm" 2> /dev/null)" = libvirtd ]; then
            kill -"${2:-KILL}" "$_h_p" && _h_sent=0
        fi
    done
    return $_h_sent
}

host_stop() {
    _h_state="$HOSTS_DIR/$1"
    [ -d "$_h_state" ] || return 0
    if [ -e "$_h_state/killed" ]; then
        # A daemon that does not answer would hold up the supervisor's virsh.
        host_kill "$1" KILL
        for _h_p in $(sort -u "$_h_state/qemu" 2> /dev/null); do
            case $(cat "/proc/$_h_p/comm" 2> /dev/null) in
            qemu-system-*)
                echo "host $1: QEMU $_h_p of its killed daemon: killed" >> "$_h_state/log"
                kill -9 "$_h_p" 2> /dev/null ;;
            esac
        done
    fi
    _h_pid=$(cat "$_h_state/pid" 2> /dev/null)
    _h_ns=$(cat "$_h_state/ns" 2> /dev/null)
    touch "$_h_state/stop"
    _h_i=0
    while [ -n "$_h_pid" ] && kill -0 "$_h_pid" 2> /dev/null && [ $_h_i -lt 600 ]; do
        sleep 0.1
        _h_i=$((_h_i + 1))
    done
    _h_left=""
    # never this shell's own namespace, whatever the file says
    if [ -n "$_h_ns" ] && [ "$_h_ns" != "$(readlink /proc/$$/ns/mnt)" ]; then
        _h_left=$(_host_ns_pids "$_h_ns")
        for _h_p in $_h_left; do
            echo "host $1: process $_h_p ($(tr '\0' ' ' < "/proc/$_h_p/cmdline" 2> /dev/null)) was left: killed" >> "$_h_state/log"
            kill -9 "$_h_p" 2> /dev/null
        done
    fi
    HOSTS_STARTED=$(echo "$HOSTS_STARTED" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
    _h_killed=0
    [ -e "$_h_state/killed" ] && _h_killed=1
    rm -rf "$_h_state"
    # After host_kill, its domains' processes were left by the test's design.
    [ -z "$_h_left" ] || [ $_h_killed = 1 ]
}

host_stop_all() {
    _h_rc=0
    for _h_h in $HOSTS_STARTED; do
        host_stop "$_h_h" || _h_rc=1
    done
    if [ -n "$HOSTS_DIR" ]; then
        rm -rf "$HOSTS_DIR"
        HOSTS_DIR=""
    fi
    return $_h_rc
}
