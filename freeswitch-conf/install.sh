#!/usr/bin/env bash
# Installs the Switchboard overlay onto a stock FreeSWITCH configuration.
#
#   sudo FREESWITCH_ESL_PASSWORD='…' FREESWITCH_DIRECTORY_PASSWORD='…' ./freeswitch-conf/install.sh [/etc/freeswitch]
#
# Copies autoload_configs/, sip_profiles/, vars/switchboard.xml and dialplan/ over the
# stock files (backups kept as *.switchboard-bak), writes the secrets file from the
# environment (mode 0640, never echoed), disables the stock profiles and dialplans that
# would route public calls elsewhere, and creates the recordings directory.
set -euo pipefail

CONF=${1:-/etc/freeswitch}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
FS_USER=${FREESWITCH_USER:-freeswitch}

die() { echo "install.sh: $*" >&2; exit 1; }
[ -d "$CONF" ] || die "$CONF is not a FreeSWITCH configuration directory"
[ -f "$CONF/vars.xml" ] || die "$CONF/vars.xml not found (is this the FreeSWITCH conf dir?)"
[ -n "${FREESWITCH_ESL_PASSWORD:-}" ] || die "FREESWITCH_ESL_PASSWORD is not set (the event_socket password the control plane uses)"
[ "${#FREESWITCH_ESL_PASSWORD}" -ge 12 ] || die "FREESWITCH_ESL_PASSWORD must be at least 12 characters"
case "$FREESWITCH_ESL_PASSWORD${FREESWITCH_DIRECTORY_PASSWORD:-}" in
  *[\"\<\>\&\'\ ]*) die "passwords must not contain quotes, <, >, & or spaces (they are written into XML)";;
esac

backup_copy() { # src dst
  if [ -f "$2" ] && [ ! -f "$2.switchboard-bak" ]; then cp -p "$2" "$2.switchboard-bak"; fi
  install -m 0644 "$1" "$2"
}

mkdir -p "$CONF/vars" "$CONF/autoload_configs" "$CONF/sip_profiles/external" "$CONF/dialplan"
for f in "$HERE"/autoload_configs/*.xml; do backup_copy "$f" "$CONF/autoload_configs/$(basename "$f")"; done
backup_copy "$HERE/sip_profiles/internal.xml" "$CONF/sip_profiles/internal.xml"
backup_copy "$HERE/sip_profiles/external.xml" "$CONF/sip_profiles/external.xml"
install -m 0644 "$HERE/sip_profiles/external/gateway.xml.template" "$CONF/sip_profiles/external/gateway.xml.template"
install -m 0644 "$HERE/vars/switchboard.xml" "$CONF/vars/switchboard.xml"

# Stock profiles/dialplans that would offer other routes are moved aside.
for stale in "$CONF/sip_profiles/internal-ipv6.xml" "$CONF/sip_profiles/external-ipv6.xml" "$CONF/dialplan/default.xml" "$CONF/dialplan/features.xml" "$CONF/dialplan/skinny-patterns.xml"; do
  if [ -f "$stale" ]; then mv "$stale" "$stale.switchboard-off"; fi
done
for f in "$ROOT"/dialplan/*.xml; do backup_copy "$f" "$CONF/dialplan/$(basename "$f")"; done
# Stock public/*.xml extensions (e.g. 01_example.com.xml) must not be included any more.
if [ -d "$CONF/dialplan/public" ]; then mv "$CONF/dialplan/public" "$CONF/dialplan/public.switchboard-off"; fi

umask 027
secrets="$CONF/vars/switchboard-secrets.xml"
{
  echo '<include>'
  printf '  <X-PRE-PROCESS cmd="set" data="switchboard_esl_password=%s"/>\n' "$FREESWITCH_ESL_PASSWORD"
  printf '  <X-PRE-PROCESS cmd="set" data="switchboard_directory_credentials=switchboard:%s"/>\n' "${FREESWITCH_DIRECTORY_PASSWORD:-}"
  echo '</include>'
} > "$secrets"
chgrp "$FS_USER" "$secrets" 2>/dev/null || true
chmod 0640 "$secrets"

if ! grep -q 'vars/switchboard.xml' "$CONF/vars.xml"; then
  cp -p "$CONF/vars.xml" "$CONF/vars.xml.switchboard-bak"
  sed -i 's#</include>#  <X-PRE-PROCESS cmd="include" data="vars/switchboard.xml"/>\n</include>#' "$CONF/vars.xml"
fi

rec_dir=$(sed -n 's/.*switchboard_recordings_dir=\([^"]*\)".*/\1/p' "$CONF/vars/switchboard.xml")
mkdir -p "$rec_dir"
chown "$FS_USER" "$rec_dir" 2>/dev/null || true

echo "Switchboard overlay installed in $CONF. Edit $CONF/vars/switchboard.xml, then: fs_cli -x 'reloadxml' && fs_cli -x 'reload mod_sofia'"
