# Sourced before the README's blocks by tests/test_readme.py (see its docstring for the rules).
set -eo pipefail
shopt -s inherit_errexit
# curl as the README writes it, plus a check of the answer's status: 2xx or 3xx, or the status
# of a `# expect NNN` line just before it (made into README_EXPECT=NNN by the test).
curl() {
  local expect="${README_EXPECT:-}" errors status code=0
  unset README_EXPECT
  errors=$(mktemp)
  command curl --no-progress-meter --write-out '%{stderr}@@README-STATUS %{http_code}\n' \
    "$@" 2>"$errors" || code=$?
  status=$(sed -n 's/^@@README-STATUS //p' "$errors" | tail -n 1)
  grep -v '^@@README-STATUS ' "$errors" >&2 || true
  rm -f "$errors"
  if [ "$code" != 0 ]; then
    echo "README: curl exited $code" >&2
    return "$code"
  fi
  if [ -z "$status" ]; then
    echo "README: curl gave no status (the README's curls must not use --write-out)" >&2
    return 90
  fi
  if [ -n "$expect" ]; then
    if [ "$status" != "$expect" ]; then
      echo "README: curl answered $status, expected $expect" >&2
      return 91
    fi
  elif [ "$status" -lt 200 ] || [ "$status" -ge 400 ]; then
    echo "README: curl answered $status, expected 2xx or 3xx" >&2
    return 92
  fi
}
