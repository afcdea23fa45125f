#!/usr/bin/env bash
# The test command (README "Run the tests"; .ci/run calls exactly this).
# Installs what the tests need on a fresh machine, then runs ruff and the whole pytest suite.
# Tests that need ../shared/geodata skip with a reason when it is absent; browser tests need Chromium,
# installed here from Debian when missing, and poppler-utils (pdftotext) for the snapshot PDF test
# (set GEO_SKIP_APT=1 to skip that step).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

if ! command -v chromium >/dev/null 2>&1 && [ "${GEO_SKIP_APT:-0}" != "1" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian chromium for the browser tests" >&2
  SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq chromium >/dev/null || \
    echo "warning: could not install chromium; browser tests will skip" >&2
fi
if ! command -v pdftotext >/dev/null 2>&1 && [ "${GEO_SKIP_APT:-0}" != "1" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian poppler-utils (pdftotext) for the snapshot PDF test" >&2
  SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq poppler-utils >/dev/null || \
    echo "warning: could not install poppler-utils; the PDF text test will skip" >&2
fi

python3 -m ruff check .
python3 -m pytest "$@"
