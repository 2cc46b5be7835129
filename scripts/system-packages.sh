#!/usr/bin/env bash
# Install the Debian packages that the tests of real systems and pages need, when missing:
# ZooKeeper, etcd and PostgreSQL servers (started by the tests themselves, by pid, never as
# services) and Chromium for the browser tests. Run by `make test` and `make demo`.
set -euo pipefail
missing=()
for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "system-packages: missing ${missing[*]}; install them (as root): apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "system-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# No service is started by the packages' scripts: the tests start their own servers.
policy=/usr/sbin/policy-rc.d
created=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created=1
fi
trap '[ "$created" = 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
