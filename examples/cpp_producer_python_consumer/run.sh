#!/usr/bin/env bash
# C++ producer -> Python consumer: 1 KiB frames (schema frames, Frame = f32[256])
# written in place through the generated C++ views (generated/cpp/frames.hpp)
# and read in Python as NumPy arrays through DLPack without a copy (or, in torch
# mode, as PyTorch tensors); every sample is checked.
#
#   examples/cpp_producer_python_consumer/run.sh [COUNT [CONSUMER_MODE]]
#
# COUNT frames (default 300,000); CONSUMER_MODE dlpack (default), torch (a PyTorch tensor per frame) or batch.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-$PWD/build/venv/bin/python}   # the venv `make` installs the package into
COUNT=${1:-300000}
MODE=${2:-dlpack}
. examples/lib/pair.sh
ex_build examples-cpp python-install || exit 1
SOCK=$(pair_socket)
echo "C++ producer -> Python consumer: $COUNT frames of 1 KiB over $SOCK ($MODE mode)"
# The producer starts once the consumer listens (the torch mode imports PyTorch first).
PAIR_LISTENER=$SOCK pair_run 300 "$PYTHON" examples/peers/python/consumer.py --socket "$SOCK" --stream frames --count "$COUNT" \
    --mode "$MODE" --batch 1024 \
    -- "$BUILD/examples/cpp_producer" --socket "$SOCK" --stream frames --count "$COUNT"
