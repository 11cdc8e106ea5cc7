#!/usr/bin/env bash
# Start each exported systemd unit's ExecStart, as systemd would: its Environment= lines, its
# WorkingDirectory, /bin/sh -lc COMMAND, in the background, output in OUT/NAME.out. For a
# container without systemd as PID 1 (how docs/DEPLOYMENT.md was followed). Usage:
#   deploy/run-units.sh UNITS_DIR OUT_DIR
set -euo pipefail
units=$1 out=$2
for u in "$units"/velo-*-[0-9]*.service; do
    name=$(basename "$u" .service)
    wd=$(sed -n 's/^WorkingDirectory=//p' "$u")
    cmd=$(sed -n "s/^ExecStart=\/bin\/sh -lc '\(.*\)'$/\1/p" "$u")
    mapfile -t envs < <(sed -n 's/^Environment=//p' "$u")
    (cd "$wd" && env "${envs[@]}" /bin/sh -lc "$cmd" >"$out/$name.out" 2>&1 & echo $! >"$out/$name.pid")
    echo "started $name: $cmd"
done
