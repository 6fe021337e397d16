#!/bin/sh
# Generates a client CA and two client certificates for mutual TLS (--auth mtls) with openssl:
#   clients-ca.pem / clients-ca.key   the CA: pass clients-ca.pem to --client-ca (or [auth] client_ca)
#   connector.pem / connector.key     a Connector, SAN URI spiffe://$TRUST_DOMAIN/connector/$SERVICE
#   agent.pem / agent.key             an Agent,    SAN URI spiffe://$TRUST_DOMAIN/user/$USER_NAME
# All keys are EC P-256 (PKCS#8, mode 600); leaves carry digitalSignature and clientAuth.
#
# Usage: certs/make-certs.sh DIR
# Environment (optional): TRUST_DOMAIN (corp.example), SERVICE (db), USER_NAME (alice),
#                         DAYS (leaf validity, 90), CA_DAYS (3650).
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 DIR   (writes clients-ca.pem, connector.pem, agent.pem and their .key files)" >&2
  exit 2
fi
command -v openssl >/dev/null 2>&1 || { echo "$0: openssl is required" >&2; exit 1; }

dir=$1
domain=${TRUST_DOMAIN:-corp.example}
service=${SERVICE:-db}
user=${USER_NAME:-alice}
days=${DAYS:-90}
ca_days=${CA_DAYS:-3650}

mkdir -p "$dir"
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

newkey() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
}

# The CA: self-signed, basicConstraints CA:TRUE (critical), keyCertSign + cRLSign.
newkey "$dir/clients-ca.key"
openssl req -x509 -new -key "$dir/clients-ca.key" -sha256 -days "$ca_days" \
  -subj "/CN=ZTNA clients CA ($domain)" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" \
  -out "$dir/clients-ca.pem"

# issue NAME CN URI: a client leaf signed by the CA.
issue() {
  name=$1 cn=$2 uri=$3
  newkey "$dir/$name.key"
  openssl req -new -key "$dir/$name.key" -subj "/CN=$cn" -out "$tmp/$name.csr"
  cat >"$tmp/$name.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectAltName=URI:$uri
authorityKeyIdentifier=keyid
subjectKeyIdentifier=hash
EXT
  openssl x509 -req -in "$tmp/$name.csr" -CA "$dir/clients-ca.pem" -CAkey "$dir/clients-ca.key" \
    -CAcreateserial -CAserial "$tmp/ca.srl" -sha256 -days "$days" -extfile "$tmp/$name.ext" \
    -out "$dir/$name.pem" 2>/dev/null
}

issue connector "connector-$service" "spiffe://$domain/connector/$service"
issue agent "user-$user" "spiffe://$domain/user/$user"
chmod 644 "$dir/clients-ca.pem" "$dir/connector.pem" "$dir/agent.pem"

echo "wrote $dir/clients-ca.pem (CA), $dir/connector.pem, $dir/agent.pem and their .key files"
