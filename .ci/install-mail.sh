#!/usr/bin/env bash
# Install Postfix for the policyd tests without configuring or running the packaged daemon.
# Idempotent; assumes `apt-get update` already ran. The tests start their own Postfix instance
# from a private config directory on 127.0.0.1 high ports, so the system one stays stopped.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! dpkg-query -W -f='${Status}' postfix 2>/dev/null | grep -q 'install ok installed'; then
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    echo "postfix postfix/mailname string typorisk-ci.invalid" | debconf-set-selections
    apt-get install -y -qq --no-install-recommends postfix >/dev/null
fi

# The packaged service is not what the tests use: stop it and keep it from starting at boot.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now postfix >/dev/null 2>&1 || true
fi
if [ -f /etc/postfix/main.cf ] && postfix status >/dev/null 2>&1; then
    postfix stop >/dev/null 2>&1 || true
fi
command -v postconf >/dev/null
echo "postfix $(postconf -d -h mail_version) installed; packaged daemon stopped"
