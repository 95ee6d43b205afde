#!/usr/bin/env bash
# `npm test`: every check and every test, the Playwright end-to-end tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS=0
step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "Debian packages for the tests"
bash scripts/ensure-debian-packages.sh

step "Lint (ESLint) and format (Prettier)"
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --list-different .; echo "run 'npm run format'"; exit 1; }

step "Typecheck"
npm run --silent typecheck

step "Unit tests (Vitest project unit)"
npx vitest run --project unit

step "Integration tests (Vitest project integration: backends, PostgreSQL, SIPp, media workers)"
npx vitest run --project integration

step "Build the renderer and the Electron main and preload"
npm run --silent build:renderer >/dev/null
npm run --silent build:main --workspace @vox/desktop >/dev/null

step "End-to-end tests (Playwright, Chromium under Xvfb)"
bash scripts/run-e2e.sh

step "All tests passed"
