#!/usr/bin/env bash
# Installs what virtkit and its tests need on a Debian machine with Node.js:
# Deno (from npm) and the Debian packages the integration tests and
# benchmarks use. Safe to run again: it installs only what is missing.
set -euo pipefail

if ! command -v deno >/dev/null 2>&1; then
  echo "setup: installing deno from npm"
  npm install -g deno@2 >/dev/null
fi

# command -> Debian package providing it
declare -A NEEDED=(
  [xmllint]=libxml2-utils
  [qemu-system-x86_64]=qemu-system-x86
  [qemu-img]=qemu-utils
  [dnsmasq]=dnsmasq-base
  [busybox]=busybox-static
  [nft]=nftables
  [ip]=iproute2
  [lxc-execute]=lxc
  [virsh]=libvirt-clients
  [libvirtd]=libvirt-daemon
  [virt-host-validate]=libvirt-clients
  [openssl]=openssl
  [systemd-analyze]=systemd
)
missing=()
for cmd in "${!NEEDED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${NEEDED[$cmd]}")
done
/usr/bin/python3 -c "import libvirt" 2>/dev/null || missing+=(python3-libvirt)
ls /boot/vmlinuz-* >/dev/null 2>&1 || missing+=(linux-image-amd64)
ls /usr/share/OVMF/OVMF_CODE*.fd >/dev/null 2>&1 || missing+=(ovmf)

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cd "$(dirname "$0")/.."
deno install --quiet >/dev/null
echo "setup: done"
