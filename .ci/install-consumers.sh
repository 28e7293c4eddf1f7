#!/usr/bin/env bash
# Install the consumer tools the feed-writer tests run for real (tests/writers): named-checkzone,
# Unbound, dnsmasq, Postfix (postmap), Squid, Suricata (bookworm-backports) and Exim (unpacked
# with dpkg -x into $EXIM_ROOT, because as a package it conflicts with Postfix).
# Idempotent; assumes `apt-get update` already ran. Packaged daemons are not started while
# installing (policy-rc.d) and never stopped by name: where systemd runs, the units of packages
# installed by this run are disabled; anything already on the machine is left alone. The tests
# start their own instances on free 127.0.0.1 high ports. Python packages are not installed here
# (pyproject's test extra has them).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
EXIM_ROOT=${EXIM_ROOT:-/opt/typorisk-exim}
here=$(cd "$(dirname "$0")" && pwd)

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
no_daemon_start
newly_installed=()

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

install_missing() {
    local missing=()
    for pkg in "$@"; do installed "$pkg" || missing+=("$pkg"); done
    if [ "${#missing[@]}" -gt 0 ]; then
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        newly_installed+=("${missing[@]}")
    fi
}

# Keep a unit this run installed from starting at boot (systemd only; by unit, never by name).
disable_unit() {
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl disable --now "$1" >/dev/null 2>&1 || true
    fi
}

# DNS consumers. dnsmasq-base is the binary without the packaged service.
install_missing bind9-utils unbound dnsmasq-base squid
bash "$here/install-mail.sh" >/dev/null   # Postfix, unconfigured, packaged daemon stopped

# Suricata is not in bookworm main: take it from bookworm-backports.
if ! installed suricata; then
    list=/etc/apt/sources.list.d/typorisk-backports.sources
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        cat >"$list" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
        apt-get update -qq -o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- \
            -o APT::Get::List-Cleanup=0 >/dev/null
    fi
    apt-get install -y -qq --no-install-recommends -t bookworm-backports suricata >/dev/null
    newly_installed+=(suricata)
fi

# Exim: unpack the packages (no dpkg install, so Postfix stays) and install their libraries.
if [ ! -x "$EXIM_ROOT/usr/sbin/exim4" ]; then
    install_missing libdb5.3 libgnutls-dane0 libgnutls30 libidn12 libidn2-0 libnsl2 libpcre2-8-0
    work=$(mktemp -d)
    chmod 755 "$work" && chown _apt "$work" 2>/dev/null || true   # apt downloads as _apt
    (cd "$work" && apt-get download -qq exim4-daemon-light exim4-base >/dev/null)
    mkdir -p "$EXIM_ROOT"
    for deb in "$work"/*.deb; do dpkg -x "$deb" "$EXIM_ROOT"; done
    rm -rf "$work"
fi
# The binary refuses to start without its compiled-in user (exim4-base's postinst makes it).
getent passwd Debian-exim >/dev/null ||
    useradd --system --user-group --home-dir /var/spool/exim4 --shell /usr/sbin/nologin Debian-exim

for pkg in ${newly_installed[@]+"${newly_installed[@]}"}; do
    case "$pkg" in unbound | squid | suricata) disable_unit "$pkg" ;; esac
done

named-checkzone -v >/dev/null
unbound-checkconf -h >/dev/null 2>&1 || true
echo "consumers: unbound $(unbound -V | head -1 | awk '{print $2}'), dnsmasq" \
    "$(dnsmasq --version | head -1 | awk '{print $3}'), squid $(squid -v | head -1 | awk '{print $4}')," \
    "suricata $(suricata -V | awk '{print $5}'), exim $("$EXIM_ROOT/usr/sbin/exim4" -C /dev/null -bV |
        head -1 | awk '{print $3}') in $EXIM_ROOT"
