#!/bin/sh
# Entrypoint of the deepnrc images: makes sure Jupyter never starts without
# a token, then runs the command (by default the Jupyter notebook server).
#
# JUPYTER_TOKEN: the token to log in with. When it is unset or empty a
# random one is generated and printed on stderr (docker logs shows it).
set -eu
if [ -z "${JUPYTER_TOKEN:-}" ]; then
	JUPYTER_TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
	echo "deepnrc: JUPYTER_TOKEN is not set; generated token: $JUPYTER_TOKEN" >&2
	echo "deepnrc: open http://127.0.0.1:8888/?token=$JUPYTER_TOKEN (with the port you published)" >&2
fi
export JUPYTER_TOKEN
exec "$@"
