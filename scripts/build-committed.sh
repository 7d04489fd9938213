#!/usr/bin/env bash
# Rebuilds dist/ from the committed src/ (HEAD), whatever is uncommitted in the work tree: a throwaway
# worktree with hard-linked node_modules (a symlink would put its real path into the bundle).
set -euo pipefail
cd "$(dirname "$0")/.."
wt=$(mktemp -d)
git worktree add -q --detach "$wt" HEAD
trap 'rm -rf "$wt/node_modules"; git worktree remove --force "$wt"' EXIT
cp -al node_modules "$wt/node_modules"
(cd "$wt" && node_modules/.bin/node scripts/build.mjs)
rm -rf dist && cp -r "$wt/dist" dist
