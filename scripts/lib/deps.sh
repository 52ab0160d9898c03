# Shared by scripts/test and scripts/demo: installs what a fresh Debian 12 machine lacks.
# Idempotent: each step checks first and does nothing when all is present.

# Debian packages the build, the tests and the demo need.
SPECTROFOLD_APT_PACKAGES=(
    libopenblas-dev libzmq3-dev libsqlite3-dev   # BLAS, ZeroMQ, SQLite
    libsndfile1-dev libsoxr-dev libfftw3-dev     # audio decoding, resampling, FFT
    espeak-ng sox                                # demo dataset synthesis and test audio
    python3-venv
    slurmctld slurmd slurm-client munge          # the Slurm recipe's test (cluster/testbed/slurm.sh)
    chromium                                     # lays out report.html in the browser test
)

ensure_apt_packages() {
    local missing=()
    local pkg
    for pkg in "${SPECTROFOLD_APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# A Python virtual environment with scripts/requirements-test.txt, kept outside the clone, one
# per content of the requirements file (so clones with different requirements never fight over
# one). Prints nothing when up to date; sets SPECTROFOLD_PYTHON.
ensure_python_env() {
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    local requirements="$root/scripts/requirements-test.txt"
    local hash
    hash="$(sha256sum "$requirements" | cut -c1-12)"
    local venv="${SPECTROFOLD_VENV:-$HOME/.cache/spectrofold/venv-$hash}"
    if [ ! -f "$venv/.complete" ]; then
        echo "Preparing the Python test environment in $venv"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
        touch "$venv/.complete"
    fi
    export SPECTROFOLD_PYTHON="$venv/bin/python"
}
