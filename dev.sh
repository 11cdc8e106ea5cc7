#!/usr/bin/env bash
# The two ways into VELO monitor on a fresh Debian/Ubuntu machine with a Rust toolchain:
#   ./dev.sh run    install what is missing, build, write the demo dataset, start Redis, web, workers
#   ./dev.sh test   install what is missing, then run every check and test
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
apt_install() {
    if [ ${#need_apt[@]} -gt 0 ]; then
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        echo "dev.sh: installing ${need_apt[*]}" >&2
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
    fi
}
pip_install() {
    python3 -m pip install --quiet --disable-pip-version-check "$@" 2>/dev/null \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "$@"
}

npm_install() {
    # JSROOT (served to browsers by velo-web) and the browser test driver, from the lockfile.
    local major
    major=$(node -p 'process.versions.node.split(".")[0]')
    if [ "$major" -lt 18 ]; then
        echo "dev.sh: Node $(node --version) is too old (18 or newer: Debian 12, Ubuntu 24.04)" >&2
        exit 1
    fi
    # Then the JSROOT bundle velo-web serves (web/jsroot-bundle), by name: web/.npmrc skips
    # install scripts (jsroot's node-only dependencies), and with them the install's prepare.
    if [ ! -d web/node_modules/jsroot ] || [ ! -d web/node_modules/playwright-core ]; then
        (cd web && npm ci --silent)
    fi
    # (with its .br and .gz, which velo-web then need not make at every start).
    if [ ! -f web/node_modules/jsroot/build/jsroot-velo.min.js.br ]; then
        (cd web && npm run --silent prepare)
    fi
}

deps_run() {
    have redis-server || need_apt+=(redis-server)
    have python3 || need_apt+=(python3 python3-pip)
    have npm || need_apt+=(nodejs npm)
    apt_install
    have honcho || pip_install honcho
    npm_install
}

deps_test() {
    have redis-server || need_apt+=(redis-server)
    have chromium || need_apt+=(chromium)
    have chromedriver || need_apt+=(chromium-driver)
    have python3 || need_apt+=(python3 python3-pip)
    have npm || need_apt+=(nodejs npm)
    # Deployment checks: Vagrantfile syntax, provisioning scripts, nginx.conf in a real nginx.
    have ruby || need_apt+=(ruby)
    have shellcheck || need_apt+=(shellcheck)
    have nginx || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
    # The results store's tests start their own PostgreSQL cluster (initdb, postgres).
    have initdb || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need_apt+=(postgresql)
    apt_install
    npm_install
    python3 -c "import uproot, numpy" 2>/dev/null || pip_install uproot numpy
    have honcho || pip_install honcho
    rustup component list --installed 2>/dev/null | grep -q clippy || rustup component add clippy rustfmt
}

case "${1:-}" in
run)
    deps_run
    cargo build --release --workspace
    [ -f demo-data/RunList.txt ] || ./target/release/veloview demo-data demo-data --runs 20 --seed 1
    exec honcho start ${2:+"${@:2}"}
    ;;
test)
    deps_test
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo test --workspace
    cargo build --workspace --bins
    node --test web/tests/browser/*.test.mjs
    ;;
*)
    echo "usage: ./dev.sh run [honcho options, e.g. -c worker=4] | ./dev.sh test" >&2
    exit 2
    ;;
esac
