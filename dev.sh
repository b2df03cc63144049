#!/usr/bin/env bash
# The two set-up commands of the README:
#   ./dev.sh up     create .venv, install, then serve the demo (data + model built on first run)
#   ./dev.sh test   create .venv, install, then run the test suite
# Needs only Python >= 3.11 on the PATH (as python3, or set PYTHON=...).
set -euo pipefail
cd "$(dirname "$0")"

PYTHON="${PYTHON:-python3}"
VENV=".venv"

ensure_env() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  # Re-install only when pyproject.toml changed since the last install.
  local stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".[dev,spark]"  # spark: the Spark tests run in CI too
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  up)
    ensure_env
    exec "$VENV/bin/feedback-nlp" serve --demo "$@"
    ;;
  test)
    ensure_env
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  install)
    ensure_env
    ;;
  *)
    echo "usage: ./dev.sh up [serve options] | ./dev.sh test [pytest options] | ./dev.sh install" >&2
    exit 2
    ;;
esac
