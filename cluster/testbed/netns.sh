#!/usr/bin/env bash
# A multi-host test bed on one Linux box: one network namespace per host, each with a veth pair
# into a bridge, so coordinator and workers talk over real (virtual) links that can be cut.
#
#   cluster/testbed/netns.sh up 3            # hosts sf-coord (10.77.0.10), sf-w1..sf-w3 (10.77.0.11..13)
#   cluster/testbed/netns.sh exec sf-w1 CMD  # run CMD inside host sf-w1
#   cluster/testbed/netns.sh cut sf-w2       # take sf-w2's link down (a network partition)
#   cluster/testbed/netns.sh restore sf-w2   # bring it back
#   cluster/testbed/netns.sh down            # kill what runs on the hosts, remove them and the bridge
#
# Needs root (CAP_NET_ADMIN). Addresses live only inside these namespaces.
set -euo pipefail

BRIDGE=sfbr0
SUBNET=10.77.0
PREFIX=sf-

host_ip() {
    case "$1" in
        ${PREFIX}coord) echo "$SUBNET.10" ;;
        ${PREFIX}w*) echo "$SUBNET.$((10 + ${1#${PREFIX}w}))" ;;
        *) echo "unknown host '$1' (expected ${PREFIX}coord or ${PREFIX}wN)" >&2; exit 2 ;;
    esac
}

add_host() {
    local name=$1 ip
    ip="$(host_ip "$name")"
    ip netns add "$name"
    ip link add "v-$name" type veth peer name eth0 netns "$name"
    ip link set "v-$name" master "$BRIDGE" up
    ip -n "$name" addr add "$ip/24" dev eth0
    ip -n "$name" link set eth0 up
    ip -n "$name" link set lo up
    echo "$name $ip"
}

case "${1:-}" in
    up)
        workers=${2:?usage: netns.sh up WORKERS}
        ip link add "$BRIDGE" type bridge
        ip addr add "$SUBNET.1/24" dev "$BRIDGE"
        ip link set "$BRIDGE" up
        add_host "${PREFIX}coord"
        for i in $(seq 1 "$workers"); do add_host "${PREFIX}w$i"; done
        ;;
    down)
        # Every process still on a host goes with it, and we wait until it has: a namespace
        # outlives its name while one runs, and with it the host's veth pair.
        for ns in $(ip netns list | awk '{print $1}' | grep "^${PREFIX}" || true); do
            pids="$(ip netns pids "$ns")"
            [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
            for _ in $(seq 50); do [ -z "$(ip netns pids "$ns")" ] && break; sleep 0.1; done
            ip netns del "$ns"
        done
        # Deleting the root end of a veth pair deletes both ends at once, whether or not its
        # namespace is gone yet, so the next `up` can add links of the same names.
        for link in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^v-${PREFIX}" || true); do
            ip link del "$link" 2>/dev/null || true
        done
        ip link del "$BRIDGE" 2>/dev/null || true
        ;;
    exec)
        name=${2:?usage: netns.sh exec HOST CMD...}
        shift 2
        exec ip netns exec "$name" "$@"
        ;;
    cut)
        ip -n "${2:?usage: netns.sh cut HOST}" link set eth0 down
        ;;
    restore)
        ip -n "${2:?usage: netns.sh restore HOST}" link set eth0 up
        ;;
    ip)
        host_ip "${2:?usage: netns.sh ip HOST}"
        ;;
    *)
        sed -n '2,12p' "$0"
        exit 2
        ;;
esac
