#!/usr/bin/env bash
# The floor for a registry-to-registry copy: for each blob, curl's GET piped into curl's PUT
# (one monolithic upload), with no hashing and no checks beyond HTTP status.
# usage: curl-pipe.sh SRC_HOST SRC_REPO DST_HOST DST_REPO DIGEST...
set -euo pipefail
src=$1 src_repo=$2 dst=$3 dst_repo=$4
shift 4
for digest in "$@"; do
  location=$(curl -sS --fail -o /dev/null -D - -X POST -H 'Content-Length: 0' "http://$dst/v2/$dst_repo/blobs/uploads/" |
    tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
  case $location in http*) ;; *) location="http://$dst$location" ;; esac
  case $location in *\?*) sep='&' ;; *) sep='?' ;; esac
  curl -sS --fail "http://$src/v2/$src_repo/blobs/$digest" |
    curl -sS --fail -o /dev/null -X PUT -T - -H 'Content-Type: application/octet-stream' "$location${sep}digest=$digest"
done
