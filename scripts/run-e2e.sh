#!/usr/bin/env bash
# Runs the Playwright tests in Debian's Chromium on a virtual X display, where whole-screen capture
# works (headless Chromium cannot capture the screen). The tests start and stop the backend.
set -euo pipefail
cd "$(dirname "$0")/../e2e"
exec xvfb-run -a -s "-screen 0 1280x720x24" npx playwright test "$@"
