#!/usr/bin/env bash
# Install Postfix for the policyd tests without configuring or running the packaged daemon.
# Idempotent; assumes `apt-get update` already ran. The tests start their own Postfix instance
# from a private config directory on 127.0.0.1 high ports; a Postfix already on the machine is
# left alone.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# apt-get starts a package's daemon through invoke-rc.d, which asks /usr/sbin/policy-rc.d first:
# exit 101 ("action forbidden") keeps every packaged daemon from starting while we install. Only
# a policy-rc.d made here is removed afterwards; one already present (Docker images ship one) stays.
no_daemon_start() {
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
}

if ! dpkg-query -W -f='${Status}' postfix 2>/dev/null | grep -q 'install ok installed'; then
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    echo "postfix postfix/mailname string typorisk-ci.invalid" | debconf-set-selections
    no_daemon_start   # the packaged service is not what the tests use: it never starts
    apt-get install -y -qq --no-install-recommends postfix >/dev/null
    # and does not start at boot (systemd only; the unit this run installed)
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl disable --now postfix >/dev/null 2>&1 || true
    fi
fi
command -v postconf >/dev/null
echo "postfix $(postconf -d -h mail_version) installed; packaged daemon not started"
