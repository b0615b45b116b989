#!/usr/bin/env bash
# Installs the Switchboard overlay onto a stock FreeSWITCH configuration.
#
#   sudo FREESWITCH_ESL_PASSWORD='…' FREESWITCH_DIRECTORY_PASSWORD='…' ./freeswitch-conf/install.sh [/etc/freeswitch]
#
# Optional, written into vars/switchboard.xml (else edit it afterwards):
#   SWITCHBOARD_CP_SOCKET=host:port           the control plane's outbound socket server
#   SWITCHBOARD_CP_SOCKET_STANDBY=host:port   its standby's (high availability)
#   SWITCHBOARD_DIRECTORY_URL=http://…/freeswitch/directory
#   SWITCHBOARD_ESL_LISTEN_IP=127.0.0.1       address ESL listens on (default loopback); when
#   SWITCHBOARD_ESL_ALLOW_CIDR=10.0.0.0/24    not loopback, only this network may connect
#   SWITCHBOARD_SECRETS_MODE=0640             mode of the secrets file (0644 only inside a
#                                             private container volume whose FreeSWITCH runs
#                                             as another user than the one running this)
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

for v in SWITCHBOARD_CP_SOCKET SWITCHBOARD_CP_SOCKET_STANDBY; do
  val=${!v:-}
  [ -z "$val" ] || [[ "$val" =~ ^[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$ ]] || die "$v must be host:port, got '$val'"
done
[ -z "${SWITCHBOARD_DIRECTORY_URL:-}" ] || [[ "$SWITCHBOARD_DIRECTORY_URL" =~ ^https?://[A-Za-z0-9.:/_-]+$ ]] || die "SWITCHBOARD_DIRECTORY_URL must be an http(s) URL, got '$SWITCHBOARD_DIRECTORY_URL'"
ESL_IP=${SWITCHBOARD_ESL_LISTEN_IP:-127.0.0.1}
[[ "$ESL_IP" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || die "SWITCHBOARD_ESL_LISTEN_IP must be an IPv4 address, got '$ESL_IP'"
if [ "$ESL_IP" != "127.0.0.1" ]; then
  [[ "${SWITCHBOARD_ESL_ALLOW_CIDR:-}" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$ ]] || die "ESL off loopback needs SWITCHBOARD_ESL_ALLOW_CIDR (the control planes' network, e.g. 10.0.0.0/24)"
fi
SECRETS_MODE=${SWITCHBOARD_SECRETS_MODE:-0640}
[[ "$SECRETS_MODE" =~ ^0?6[04]0$|^0?644$ ]] || die "SWITCHBOARD_SECRETS_MODE must be 0640, 0600 or 0644"

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
setvar() { # name value: replace the X-PRE-PROCESS set of that variable
  sed -i "s#data=\"$1=[^\"]*\"#data=\"$1=$2\"#" "$CONF/vars/switchboard.xml"
}
[ -z "${SWITCHBOARD_CP_SOCKET:-}" ] || setvar switchboard_cp_socket "$SWITCHBOARD_CP_SOCKET"
# A single control plane is its own standby unless told otherwise.
standby=${SWITCHBOARD_CP_SOCKET_STANDBY:-${SWITCHBOARD_CP_SOCKET:-}}
[ -z "$standby" ] || setvar switchboard_cp_socket_standby "$standby"
[ -z "${SWITCHBOARD_DIRECTORY_URL:-}" ] || setvar switchboard_directory_url "$SWITCHBOARD_DIRECTORY_URL"
if [ "$ESL_IP" != "127.0.0.1" ]; then
  # ESL on a private network: listen there, and let only the control planes' network connect.
  sed -i "s#name=\"listen-ip\" value=\"[^\"]*\"#name=\"listen-ip\" value=\"$ESL_IP\"#; s#name=\"apply-inbound-acl\" value=\"[^\"]*\"#name=\"apply-inbound-acl\" value=\"switchboard-control-plane\"#" "$CONF/autoload_configs/event_socket.conf.xml"
  sed -i "s#  </network-lists>#    <list name=\"switchboard-control-plane\" default=\"deny\">\n      <node type=\"allow\" cidr=\"$SWITCHBOARD_ESL_ALLOW_CIDR\"/>\n    </list>\n  </network-lists>#" "$CONF/autoload_configs/acl.conf.xml"
fi

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
chmod "$SECRETS_MODE" "$secrets"

if ! grep -q 'vars/switchboard.xml' "$CONF/vars.xml"; then
  cp -p "$CONF/vars.xml" "$CONF/vars.xml.switchboard-bak"
  sed -i 's#</include>#  <X-PRE-PROCESS cmd="include" data="vars/switchboard.xml"/>\n</include>#' "$CONF/vars.xml"
fi

rec_dir=$(sed -n 's/.*switchboard_recordings_dir=\([^"]*\)".*/\1/p' "$CONF/vars/switchboard.xml")
if mkdir -p "$rec_dir" 2>/dev/null; then
  chown "$FS_USER" "$rec_dir" 2>/dev/null || true
else
  echo "install.sh: warning: could not create the recordings directory $rec_dir (create it, owned by $FS_USER)" >&2
fi

echo "Switchboard overlay installed in $CONF. Edit $CONF/vars/switchboard.xml, then: fs_cli -x 'reloadxml' && fs_cli -x 'reload mod_sofia'"
