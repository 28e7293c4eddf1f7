#!/usr/bin/env bash
# Weekly typo-domain review: scan the protected targets, record the run, write the review.
#
# Exit codes (for cron, systemd and CI): 0 nothing new at or above the threshold;
# 3 new high-risk findings since the last run (alert someone); 4 a run did not complete;
# anything else: the job itself failed.
#
# Settings come from the environment (see typorisk-weekly.service):
#   TARGETS     file of protected domains, one a line      (/etc/typorisk/targets.txt)
#   STATE       directory for the history and the review   (/var/lib/typorisk)
#   NAMESERVER  resolver as HOST[:PORT], optional           (default: /etc/resolv.conf)
#   TOP         candidates per target                       (200)
#   TYPORISK    the typorisk executable                     (typorisk)
set -euo pipefail

TYPORISK=${TYPORISK:-typorisk}
TARGETS=${TARGETS:-/etc/typorisk/targets.txt}
STATE=${STATE:-/var/lib/typorisk}
TOP=${TOP:-200}
dns=()
if [ -n "${NAMESERVER:-}" ]; then
    dns=(--nameserver "$NAMESERVER")
fi

mkdir -p "$STATE"
scan="$STATE/scan-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
scanned=0
"$TYPORISK" scan --file "$TARGETS" --top "$TOP" --format jsonl "${dns[@]}" > "$scan" || scanned=$?
case "$scanned" in
    0 | 1) "$TYPORISK" record "$scan" --db "$STATE/typorisk.db" --feed weekly ;;
    4) # the scan did not see the world: keep what it saw, marked incomplete, and say so
        "$TYPORISK" record "$scan" --db "$STATE/typorisk.db" --feed weekly \
            --incomplete "scan exited 4 (dead resolver or too many unknown names)" || true ;;
    *) exit "$scanned" ;;
esac
status=0
"$TYPORISK" review --db "$STATE/typorisk.db" --out "$STATE/review" || status=$?
if [ "$scanned" -eq 4 ]; then
    exit 4
fi
exit "$status"
