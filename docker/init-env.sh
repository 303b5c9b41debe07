#!/bin/sh
# Write .env for compose.yaml from .env.example, with freshly generated secrets.
#
#   docker/init-env.sh savetrail.example.com   HTTPS for a domain (DNS set up)
#   docker/init-env.sh 203.0.113.7             plain HTTP on an IP address
#
# Refuses to overwrite an existing .env: its secrets guard existing data.
set -eu

cd "$(dirname "$0")/.."

address=${1:-}
if [ -z "$address" ] || [ "$#" -ne 1 ]; then
    echo "usage: docker/init-env.sh DOMAIN_OR_IP_ADDRESS" >&2
    exit 64
fi
if [ -e .env ]; then
    echo ".env already exists; not overwriting it (its secrets guard your data)." >&2
    exit 1
fi

# 32 random bytes as 64 hex digits, with nothing but POSIX tools.
new_secret() {
    od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
}

case "$address" in
    *:*) domain="" https=false host="[$address]" ;; # an IPv6 address
    *[!0-9.]*) domain=$address https=true host=$address ;;
    *) domain="" https=false host=$address ;; # an IPv4 address
esac

umask 077
sed -e "s|^DOMAIN=.*|DOMAIN=$domain|" \
    -e "s|^HTTPS=.*|HTTPS=$https|" \
    -e "s|^ALLOWED_HOSTS=.*|ALLOWED_HOSTS=$host|" \
    -e "s|^SECRET_KEY=.*|SECRET_KEY=$(new_secret)|" \
    -e "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD=$(new_secret)|" \
    .env.example >.env

if [ "$https" = true ]; then
    echo "Wrote .env for https://$domain/ with new secrets."
else
    echo "Wrote .env for plain HTTP on http://$host/ with new secrets."
fi
