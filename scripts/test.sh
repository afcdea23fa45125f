#!/usr/bin/env bash
# The test command (README "Run the tests"; .ci/run calls exactly this).
#
# Runs the suite the way a user's machine would see the project: in a virtual environment WITHOUT system
# site-packages (default ./.venv; GEO_VENV=DIR to choose), holding only requirements-dev.txt and what it
# pulls in. Under CI (CI=true) or with GEO_FRESH_VENV=1 the environment is created anew, so a runtime import
# missing from requirements.txt fails here as it fails for a user. Then ruff and the whole pytest suite.
#
# Tests that need ../shared/geodata skip with a reason when it is absent; browser tests need Chromium,
# installed here from Debian when missing, and poppler-utils (pdftotext) for the snapshot PDF test
# (GEO_SKIP_APT=1 skips that step). PostgreSQL and PostGIS come from Debian too (scripts/postgis.sh starts a
# throwaway cluster for the store contract tests). Arguments are passed on to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${GEO_VENV:-.venv}"
PY="$VENV/bin/python"
if [ "${CI:-}" = "true" ] || [ "${GEO_FRESH_VENV:-0}" = "1" ] || [ ! -x "$PY" ] \
   || ! grep -qE '^include-system-site-packages *= *false' "$VENV/pyvenv.cfg" 2>/dev/null; then
  echo "creating a fresh virtual environment in $VENV (no system site-packages)" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
fi
"$PY" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

apt_install() {  # apt_install COMMAND PACKAGE WHY
  if ! command -v "$1" >/dev/null 2>&1 && [ "${GEO_SKIP_APT:-0}" != "1" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian $2 for $3" >&2
    local sudo=""; [ "$(id -u)" = "0" ] || sudo="sudo"
    $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq "$2" >/dev/null || \
      echo "warning: could not install $2; $3 will skip" >&2
  fi
}
apt_install chromium chromium "the browser tests"
apt_install pdftotext poppler-utils "the snapshot PDF text test"

# A throwaway PostGIS cluster for the store contract tests (tests/test_store_contract.py run against both the
# GeoPackage and PostGIS); GEO_TEST_POSTGIS=URL uses a server of your own, GEO_SKIP_POSTGIS=1 skips them.
if [ -z "${GEO_TEST_POSTGIS:-}" ] && [ "${GEO_SKIP_POSTGIS:-0}" != "1" ]; then
  PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/geo-postgis.XXXXXX")"
  trap 'bash scripts/postgis.sh stop "$PG_DIR" >/dev/null 2>&1 || true; rm -rf "$PG_DIR"' EXIT
  if PG_URL="$(bash scripts/postgis.sh start "$PG_DIR" | tail -n 1)" && [ -n "$PG_URL" ]; then
    export GEO_TEST_POSTGIS="$PG_URL"
    echo "PostGIS for the store tests: $GEO_TEST_POSTGIS" >&2
  else
    echo "warning: could not start PostGIS (scripts/postgis.sh); the PostGIS store tests will skip" >&2
  fi
fi

"$PY" -m ruff check .
GEO_TEST_VENV=1 "$PY" -m pytest "$@"
