#!/usr/bin/env bash
# Provision an AlmaLinux 9 VM (run as root by Vagrant): toolchain, Redis, Node, nginx; build the
# monitor from /vagrant; install it as systemd units exported by honcho; start it on demo data.
set -euo pipefail

APP_DIR=${APP_DIR:-/vagrant}
APP_USER=${APP_USER:-vagrant}

dnf -y -q install epel-release
dnf -y -q install gcc git redis nodejs npm python3-pip nginx

# Rust for the app user, from rustup (the VM, unlike CI, reaches the internet).
if ! sudo -iu "$APP_USER" bash -lc 'command -v cargo' >/dev/null 2>&1; then
    sudo -iu "$APP_USER" bash -lc \
        'curl --proto =https --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal'
fi
python3 -m pip install --quiet honcho

# Build, front-end packages and demo data as the app user.
sudo -iu "$APP_USER" bash -lc "
    set -euo pipefail
    cd '$APP_DIR'
    cargo build --release --workspace
    # JSROOT, which velo-web serves to browsers: the lockfile is in web/. Without it no plot
    # draws and /healthz answers 503 naming it.
    (cd web && npm ci --omit=dev --no-audit --no-fund && npm run prepare)
    test -f web/node_modules/jsroot/build/hist2d.min.js
    [ -f demo-data/RunList.txt ] || ./target/release/veloview demo-data demo-data --runs 20 --seed 1
    mkdir -p log
"

# systemd units: one target 'velo' starting web, four workers and Redis, as the README says.
cd "$APP_DIR"
rm -rf /tmp/velo-units
honcho export -a velo -u "$APP_USER" -c web=1,worker=4,redis=1 -p 8000 systemd /tmp/velo-units
cp /tmp/velo-units/* /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now velo.target

# nginx in front (port 80 in the VM, 8080 on the host).
cp "$APP_DIR/deploy/nginx.conf" /etc/nginx/conf.d/velo.conf
# SELinux: let nginx connect to the upstream.
if command -v setsebool >/dev/null 2>&1; then setsebool -P httpd_can_network_connect 1 || true; fi
systemctl enable --now nginx
systemctl reload nginx

echo "VELO monitor: http://localhost:8080/ (nginx) or http://localhost:8000/ (velo-web)"
