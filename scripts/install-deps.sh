#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages deepnrc's tests and notebooks need:
# Jupyter (headless execution through nbclient/nbconvert), NumPy (the .npy
# cross-check tests and the metric benchmark baseline), PyTorch (the
# examples/pytorch_export.py test and the training benchmark's baseline;
# OpenBLAS so that both run on an optimised BLAS, as their users have it),
# Chromium with its chromedriver and the Liberation fonts the figures are
# laid out in (the real-browser tests of `make test-browser`), and the MuJoCo
# 2.2.2 physics library with a C compiler (make test-mujoco: the cgo build
# that regenerates the shipped swimmer/reacher/hopper data), and Slurm with
# MUNGE (make test-slurm: a one-node cluster on localhost runs a sweep).
# Idempotent.
set -euo pipefail
# The first five are Jupyter: internal/jupyterdeps.AptPackages (its test checks
# that this list has every one).
pkgs=(jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client python3-numpy python3-torch
  libopenblas0-pthread chromium chromium-driver fonts-liberation libmujoco-dev gcc libc6-dev slurm-wlm munge)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Wait for another apt run (e.g. unattended upgrades) instead of failing.
$SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=900 --no-install-recommends "${missing[@]}"
