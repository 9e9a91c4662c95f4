# Sourced by the setup scripts. ensure_packages TAG PKG...: installs the Debian
# packages among PKG that are missing; runs apt-get (update, then install)
# only when one is, so that a second run is a fast no-op. Progress lines start
# with [TAG].
ensure_packages() {
  local tag="$1"
  shift
  local missing=() p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "[$tag] all $# Debian packages present"
    return 0
  fi
  echo "[$tag] installing ${#missing[@]} missing Debian packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "[$tag] error: need root (or sudo) to apt-get install" >&2; return 1; }
    sudo=sudo
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}
