# Sourced by setup.sh, test.sh and demo.sh: sets PY, the interpreter the README's commands
# use (the active environment, else the project's .venv, created here when missing), after
# installing the Debian packages that interpreter needs. scripts/choose_python.py decides.
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi
apt_install() {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
command -v python3 >/dev/null || apt_install python3
eval "$(python3 scripts/choose_python.py .)"
echo "python: $WHY"
# shellcheck disable=SC2086
if [ -n "$APT" ]; then apt_install $APT; fi
if [ "$CREATE_VENV" = 1 ]; then
  python3 -m venv --system-site-packages .venv
fi
export PY
