#!/usr/bin/env bash
# A small Slurm cluster on the namespace test bed of netns.sh: one slurmd per host (sf-coord,
# sf-w1..sf-wN), slurmctld and munged on sf-coord, every key, config, spool, log and pid file in
# one directory. Each daemon gets its host's name (a UTS namespace) and an /etc/hosts naming every
# host (bind-mounted inside its mount namespace), so jobs resolve node names as on real machines.
#
#   cluster/testbed/slurm.sh up DIR 2          # netns.sh up 2, then munged, slurmctld, 3 slurmd; waits until idle
#   cluster/testbed/slurm.sh run DIR sbatch …  # a Slurm client command against this cluster (SLURM_CONF set)
#   cluster/testbed/slurm.sh down              # stops every process on the hosts, removes the hosts
#
# Needs root and Debian's slurmctld, slurmd, slurm-client and munge (Slurm 22.05).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
netns="$here/netns.sh"

# Starts daemon CMD on host $1 (its network namespace) in a UTS namespace named after the host and
# a mount namespace with DIR/hosts as /etc/hosts. Not `ip netns exec`: its fresh /sys hides the
# cgroup mounts slurmd needs. The daemon's own output goes to DIR/daemons.log, so it holds no
# pipe of the caller's open.
on_host() {
    local host=$1 dir=$2
    shift 2
    nsenter --net="/run/netns/$host" unshare --uts --mount --propagation private -- sh -c \
        'mount --bind "$1" /etc/hosts && hostname "$2" && shift 2 && exec "$@"' sh "$dir/hosts" "$host" "$@" \
        < /dev/null >> "$dir/daemons.log" 2>&1
}

write_config() {
    local dir=$1 workers=$2 i
    {
        echo "127.0.0.1 localhost"
        echo "$("$netns" ip sf-coord) sf-coord"
        for i in $(seq 1 "$workers"); do echo "$("$netns" ip "sf-w$i") sf-w$i"; done
    } > "$dir/hosts"
    cat > "$dir/slurm.conf" <<EOF
ClusterName=spectrofold-testbed
SlurmctldHost=sf-coord($("$netns" ip sf-coord))
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/slurmctld
SlurmdSpoolDir=$dir/slurmd/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd-%n.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd-%n.log
# No cgroups and no accounting: the hosts share one kernel's cgroup tree, and nothing here needs sacct.
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# Every host is the same 2-CPU machine; trust the CPU counts below over its socket layout.
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=5
# Ended jobs stay visible to scontrol for 10 minutes (the test reads their state and exit code).
MinJobAge=600
NodeName=sf-coord NodeAddr=$("$netns" ip sf-coord) CPUs=2 State=UNKNOWN
EOF
    for i in $(seq 1 "$workers"); do
        echo "NodeName=sf-w$i NodeAddr=$("$netns" ip "sf-w$i") CPUs=2 State=UNKNOWN" >> "$dir/slurm.conf"
    done
    echo "PartitionName=testbed Nodes=ALL Default=YES MaxTime=INFINITE State=UP" >> "$dir/slurm.conf"
}

# Waits (up to 2 minutes) until every node is idle.
wait_idle() {
    local dir=$1 nodes=$2 states
    for _ in $(seq 1 240); do
        states="$(SLURM_CONF="$dir/slurm.conf" sinfo --noheader --Node --format='%t' 2>/dev/null || true)"
        [ "$(grep -c '^idle$' <<< "$states")" -eq "$nodes" ] && return 0
        sleep 0.5
    done
    echo "Slurm nodes not idle after 2 minutes: $(tr '\n' ' ' <<< "$states")" >&2
    tail -n 20 "$dir"/slurm*.log >&2 || true
    return 1
}

case "${1:-}" in
    up)
        # munged keeps every descriptor it inherits; one a caller watches for its child's end
        # (as Foundation's Process does) would never close. Close all but stdin, stdout, stderr.
        for fd in $(ls /proc/$BASHPID/fd); do [ "$fd" -le 2 ] || eval "exec $fd>&-" 2>/dev/null || true; done
        dir="$(cd "${2:?usage: slurm.sh up DIR WORKERS}" && pwd)"
        workers=${3:?usage: slurm.sh up DIR WORKERS}
        "$netns" up "$workers" > /dev/null
        mkdir -p "$dir/munge" "$dir/slurmctld" "$dir/slurmd/sf-coord"
        for i in $(seq 1 "$workers"); do mkdir -p "$dir/slurmd/sf-w$i"; done
        write_config "$dir" "$workers"
        mungekey --create --keyfile="$dir/munge/munge.key"
        on_host sf-coord "$dir" munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
            --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"
        on_host sf-coord "$dir" slurmctld -f "$dir/slurm.conf"
        on_host sf-coord "$dir" slurmd -f "$dir/slurm.conf"
        for i in $(seq 1 "$workers"); do on_host "sf-w$i" "$dir" slurmd -f "$dir/slurm.conf"; done
        wait_idle "$dir" $((workers + 1))
        ;;
    run)
        dir="$(cd "${2:?usage: slurm.sh run DIR CMD...}" && pwd)"
        shift 2
        SLURM_CONF="$dir/slurm.conf" exec "$@"
        ;;
    down)
        "$netns" down
        ;;
    *)
        sed -n '2,11p' "$0"
        exit 2
        ;;
esac
