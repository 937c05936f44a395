#!/usr/bin/python3
"""NumPy side of `deepnrc bench matmul`.

A line-oriented server, like torch_bench.py. On start it prints one JSON
line: {"numpy_version": str, "openblas": {"openblas_core", "openblas_threads",
"openblas_config", "library"}} (or {"error": str} and exit status 3). Then for
every request line {"m", "n", "k", "trans_a", "trans_b", "threads",
"seconds"} it times C = op(A)·op(B) in float32 (A stored k×m when trans_a,
B stored n×k when trans_b, as NumPy users write a.T @ b) with OpenBLAS
limited to "threads" threads (openblas_set_num_threads), for at least
"seconds", and answers {"gflops": wall GFLOP/s, "cpu_gflops": GFLOP per CPU
second, "reps": int}.
"""
import ctypes
import json
import sys
import time

try:
    import numpy as np
except ImportError as e:
    print(json.dumps({"error": "cannot import numpy: %s" % e}), flush=True)
    sys.exit(3)


def openblas():
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "openblas" in path.lower():
                libs.add(path)
    for path in sorted(libs):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return lib, {"openblas_core": lib.openblas_get_corename().decode(),
                         "openblas_threads": int(lib.openblas_get_num_threads()),
                         "openblas_config": lib.openblas_get_config().decode().strip(),
                         "library": path}
        except (OSError, AttributeError):
            continue
    return None, {"openblas_core": "", "openblas_threads": 0, "openblas_config": "", "library": ""}


def main():
    np.ones((4, 4), dtype=np.float32) @ np.ones((4, 4), dtype=np.float32)  # load the BLAS
    lib, info = openblas()
    print(json.dumps({"numpy_version": np.__version__, "openblas": info}), flush=True)
    rng = np.random.default_rng(1)
    for line in sys.stdin:
        if not line.strip():
            continue
        r = json.loads(line)
        m, n, k = r["m"], r["n"], r["k"]
        if lib is not None and r.get("threads", 0) > 0:
            lib.openblas_set_num_threads(int(r["threads"]))
        a = rng.standard_normal((k, m) if r.get("trans_a") else (m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if r.get("trans_b") else (k, n), dtype=np.float32)
        op_a = a.T if r.get("trans_a") else a
        op_b = b.T if r.get("trans_b") else b
        op_a @ op_b
        reps, t0, c0 = 0, time.perf_counter(), time.process_time()
        while True:
            op_a @ op_b
            reps += 1
            dt = time.perf_counter() - t0
            if dt >= r.get("seconds", 0.2):
                break
        dc = time.process_time() - c0
        flop = 2.0 * m * n * k * reps
        print(json.dumps({"gflops": flop / dt / 1e9, "cpu_gflops": flop / max(dc, 1e-9) / 1e9, "reps": reps}),
              flush=True)


if __name__ == "__main__":
    main()
