#!/usr/bin/python3
"""Retries the kinds of hostile inputs of the reliability review (issue 13)
against a deepnrc binary and counts the outcomes per category.

Usage: scripts/hostile-inputs.sh [-v]   (builds the binary, then runs this)
       /usr/bin/python3 scripts/hostile_inputs.py BINARY [-v]

Every case runs the binary in a scratch directory (stores, data and output
inside it), under an address-space limit so that an out-of-memory request
shows up as a crash instead of taking the machine down. Verdicts:

  clear     an error (exit 1) whose message holds the expected fragments
            (the file, the place, the fix)
  unclear   an error without them
  crash     a panic, a Go fatal error, a signal, or a hang (timeout)
  wrong     exit 0 where an error was due, or a result that differs from
            the independent NumPy reference / the expected behaviour
  left      a temporary or half-written file left behind, or work lost
  ok        the input is valid and the result is right

Needs NumPy (python3-numpy, installed by scripts/install-deps.sh). Exits 1
when any case crashed, was silently wrong or left something behind.
"""

import collections
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

BIN = os.path.abspath(sys.argv[1])
VERBOSE = "-v" in sys.argv
SCRATCH = tempfile.mkdtemp(prefix="deepnrc-hostile-")
AS_LIMIT = 6 * 10**9  # bytes of address space per run

CATEGORIES = {
    1: "measure: .npy, .csv, files and flags",
    2: "train: crash safety and the run store",
    3: "reproduce: output directory, names, report",
    4: "data: malformed real-format files",
    5: "determinism",
    6: "environment variables and training flags",
}
VERDICTS = ["clear", "unclear", "crash", "wrong", "left", "ok"]
counts = collections.defaultdict(collections.Counter)
problems = []


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


def run(args, cwd=None, env=None, timeout=120, stdin=None):
    e = dict(os.environ)
    e.update({"DEEPNRC_STORE": os.path.join(SCRATCH, "store"), "DEEPNRC_DATA": os.path.join(SCRATCH, "nodata"),
              "GOMLX_BACKEND": ""})
    e.pop("DEEPNRC_MEMORY", None)
    if env:
        e.update(env)
    try:
        p = subprocess.run([BIN] + args, cwd=cwd or SCRATCH, env=e, capture_output=True, text=True,
                           timeout=timeout, preexec_fn=limit_memory, stdin=stdin)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as t:
        return "timeout", (t.stdout or b"").decode(errors="replace") if isinstance(t.stdout, bytes) else (t.stdout or ""), ""


def crashed(rc, out, err):
    text = out + err
    return rc == "timeout" or (rc not in (0, 1)) or "panic:" in text or "fatal error:" in text or "goroutine " in text


def record(cat, name, verdict, detail=""):
    counts[cat][verdict] += 1
    if verdict in ("crash", "wrong", "left", "unclear"):
        problems.append((cat, name, verdict, detail))
    if VERBOSE:
        print(f"[{cat}] {verdict:7s} {name}" + (f": {detail}" if detail and verdict != "ok" else ""))


def expect_error(cat, name, args, frags, **kw):
    rc, out, err = run(args, **kw)
    if crashed(rc, out, err):
        record(cat, name, "crash", (err or out)[-300:])
    elif rc == 0:
        record(cat, name, "wrong", "exit 0, expected an error: " + out[-200:])
    else:
        msg = err.lower()
        missing = [f for f in frags if f.lower() not in msg]
        record(cat, name, "unclear" if missing else "clear", f"lacks {missing}: {err.strip()[-300:]}" if missing else "")
    return rc, out, err


def expect_ok(cat, name, args, check=None, **kw):
    """check(stdout, stderr) returns None when right, else what is wrong."""
    rc, out, err = run(args, **kw)
    if crashed(rc, out, err):
        record(cat, name, "crash", (err or out)[-300:])
    elif rc != 0:
        record(cat, name, "wrong", "refused a valid input: " + err.strip()[-300:])
    else:
        bad = check(out, err) if check else None
        record(cat, name, "wrong" if bad else "ok", bad or "")
    return rc, out, err


def leftovers(root):
    found = []
    for d, _, files in os.walk(root):
        for f in files:
            if ".tmp-" in f or f.startswith(".write-check-"):
                found.append(os.path.join(d, f))
    return found


# ---------------------------------------------------------------- reference

def ref_metrics(H, Y, W=None, k=None):
    """Independent NumPy computation of the Deep NRC metrics (paper's 1/N
    covariances): noise fraction, CKA, WH alignment, probe MSE."""
    H = np.asarray(H, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(len(H), -1)
    t = Y.shape[1]
    k = k or t
    n = len(H)
    s = 2.0 ** -np.floor(np.log2(np.abs(H).max())) if np.abs(H).max() > 0 else 1.0
    Hc = (H - H.mean(0)) * s
    Yc = Y - Y.mean(0)
    ch, chy, cy = Hc.T @ Hc / n, Hc.T @ Yc / n, Yc.T @ Yc / n
    lam, U = np.linalg.eigh(ch)
    lam, U = lam[::-1], U[:, ::-1]
    noise = 1 - lam[:k].sum() / lam.sum()
    cka = np.linalg.norm(chy) ** 2 / (np.linalg.norm(ch) * np.linalg.norm(cy))
    out = {"noise": noise, "cka": cka}
    Hp = np.hstack([Hc, np.ones((n, 1))])
    coef, *_ = np.linalg.lstsq(Hp, Yc, rcond=None)
    out["probe_mse"] = ((Yc - Hp @ coef) ** 2).mean()
    if W is not None:
        _, sv, Vt = np.linalg.svd(np.asarray(W, dtype=np.float64))
        Q = Vt[:k].T
        cos = np.linalg.svd(U[:, :k].T @ Q, compute_uv=False)
        out["wh_alignment"] = cos.mean()
    return out


def check_metrics(ref, layer=0, tol=1e-6, keys=("noise", "cka", "wh_alignment", "probe_mse"), warn_ok=False):
    def check(out, err):
        try:
            rep = json.loads(out)
        except ValueError:
            return "output is not JSON"
        L = rep["layers"][layer]
        if L.get("warnings") and not warn_ok:
            return f"warnings {L['warnings']}"
        for key in keys:
            if key not in ref:
                continue
            got = L.get(key)
            if got is None or abs(got - ref[key]) > tol * max(1, abs(ref[key])):
                return f"{key} = {got}, reference {ref[key]:.6g}"
        return None
    return check


def save_npy_raw(path, header, data=b"", version=(1, 0)):
    h = header
    while (10 + len(h) + 1) % 64:
        h += " "
    h += "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY" + bytes(version) + struct.pack("<H", len(h)) + h.encode("latin1") + data)


def write_csv(path, A, sep=",", eol="\n", header=None, bom=False, final=True):
    A = np.asarray(A).reshape(len(A), -1)
    lines = []
    if header is not None:
        lines.append(header)
    lines += [sep.join(repr(float(v)) for v in row) for row in A]
    text = eol.join(lines) + (eol if final else "")
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        f.write(text)


# ----------------------------------------------------------------- category 1

def category_measure():
    C = 1
    d = os.path.join(SCRATCH, "m")
    os.makedirs(d)
    P = lambda name: os.path.join(d, name)
    r = np.random.default_rng(0)
    Y = r.standard_normal((200, 3))
    H = Y @ r.standard_normal((3, 16)) + 0.1 * r.standard_normal((200, 16))
    W = r.standard_normal((8, 16))
    np.save(P("Y.npy"), Y)
    np.save(P("H.npy"), H)
    np.save(P("W.npy"), W)
    ref = ref_metrics(H, Y, W)
    M = lambda *layers, flags=(): ["measure", "--json", "--targets", P("Y.npy")] + \
        [a for l in layers for a in ("--layer", l)] + list(flags)

    expect_ok(C, "baseline .npy", M(f"fc1={P('H.npy')}:{P('W.npy')}"), check_metrics(ref))
    np.save(P("H32.npy"), H.astype("f4"))
    expect_ok(C, "float32 features", M(f"fc1={P('H32.npy')}"), check_metrics(ref_metrics(H.astype("f4"), Y)))
    np.save(P("y1.npy"), Y[:, 0])
    expect_ok(C, "1-D targets", ["measure", "--json", "--targets", P("y1.npy"), "--layer", f"fc1={P('H.npy')}"],
              check_metrics(ref_metrics(H, Y[:, :1])))
    for v in ((2, 0), (3, 0)):
        with open(P(f"H_v{v[0]}.npy"), "wb") as f:
            np.lib.format.write_array(f, H, version=v)
        expect_ok(C, f".npy format {v[0]}.0", M(f"fc1={P(f'H_v{v[0]}.npy')}:{P('W.npy')}"), check_metrics(ref))

    # Malformed .npy files.
    raw = open(P("H.npy"), "rb").read()
    bad = {
        "data truncated": (raw[:-100], ["truncated", "re-create"]),
        "header truncated": (raw[:40], ["ends inside the header"]),
        "7 bytes": (raw[:7], ["preamble"]),
        "empty": (b"", ["empty"]),
        "npz renamed": (b"PK\x03\x04" + raw[:60], ["npz"]),
        "text named .npy": (b"1,2,3\n", ["magic"]),
        "trailing bytes": (raw + b"\0\0", ["bytes after the data"]),
    }
    for name, (content, frags) in bad.items():
        open(P("bad.npy"), "wb").write(content)
        expect_error(C, f".npy {name}", M(f"fc1={P('bad.npy')}"), ["bad.npy"] + frags)
    hdr = lambda descr, shape, fortran="False": f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}"
    for name, header, data, frags in [
        ("shape (1e12, 512), 4 KiB", hdr("<f8", "(1000000000000, 512)"), b"\0" * 4096, ["truncated"]),
        ("shape (2^63-1)^2", hdr("<f8", "(9223372036854775807, 9223372036854775807)"), b"", ["too many elements"]),
        ("negative shape", hdr("<f8", "(-5, 3)"), b"", ["non-negative"]),
        ("fortran order", hdr("<f8", "(200, 16)", "True"), H.tobytes(), ["fortran", "ascontiguousarray"]),
        ("big-endian", hdr(">f8", "(200, 16)"), H.astype(">f8").tobytes(), ["big-endian", "convert"]),
        ("int64", hdr("<i8", "(200, 16)"), H.astype("i8").tobytes(), ["integer", "convert"]),
        ("float16", hdr("<f2", "(200, 16)"), H.astype("f2").tobytes(), ["2-byte float"]),
        ("object", hdr("|O", "(200, 16)"), b"", ["object"]),
        ("complex", hdr("<c16", "(200, 16)"), b"\0" * 200 * 16 * 16, ["complex"]),
        ("0-d", hdr("<f8", "()"), b"\0" * 8, ["0-dimensional", "atleast_1d"]),
        ("missing key", "{'descr': '<f8', 'shape': (200, 16), }", H.tobytes(), ["fortran_order"]),
    ]:
        save_npy_raw(P("bad.npy"), header, data)
        expect_error(C, f".npy {name}", M(f"fc1={P('bad.npy')}"), ["bad.npy"] + frags)

    # Shapes.
    np.save(P("H3.npy"), H.reshape(200, 2, 8))
    expect_error(C, "3-D features (N, 2, 8)", M(f"fc1={P('H3.npy')}"), ["H3.npy", "(200, 2, 8)", "reshape"])
    np.save(P("H4.npy"), H.reshape(200, 4, 2, 2))
    expect_error(C, "4-D conv activations (N, C, H, W)", M(f"fc1={P('H4.npy')}"), ["H4.npy", "mean(axis=(2, 3))"])
    np.save(P("Y3.npy"), Y.reshape(200, 3, 1))
    expect_error(C, "3-D targets", ["measure", "--targets", P("Y3.npy"), "--layer", f"fc1={P('H.npy')}"], ["Y3.npy", "(N, t)"])
    np.save(P("H0.npy"), np.zeros((200, 0)))
    expect_error(C, "zero-width features", M(f"fc1={P('H0.npy')}"), ["H0.npy", "no values per sample"])
    np.save(P("Y0.npy"), np.zeros((200, 0)))
    expect_error(C, "zero-width targets", ["measure", "--targets", P("Y0.npy"), "--layer", f"fc1={P('H.npy')}"],
                 ["Y0.npy", "no values per sample"])
    np.save(P("Hshort.npy"), H[:150])
    expect_error(C, "features shorter than targets", M(f"fc1={P('Hshort.npy')}"), ["Hshort.npy", "150 rows"])
    np.save(P("Hlong.npy"), np.vstack([H, H[:10]]))
    expect_error(C, "features longer than targets", M(f"fc1={P('Hlong.npy')}"), ["Hlong.npy", "more rows"])
    np.save(P("Y1row.npy"), Y[:1])
    np.save(P("H1row.npy"), H[:1])
    expect_error(C, "one row", ["measure", "--targets", P("Y1row.npy"), "--layer", f"fc1={P('H1row.npy')}"], ["at least 2"])
    np.save(P("Yconst.npy"), np.ones((200, 3)))
    expect_error(C, "constant targets", ["measure", "--targets", P("Yconst.npy"), "--layer", f"fc1={P('H.npy')}"], ["zero variance"])
    np.save(P("Hconst.npy"), np.ones((200, 16)))
    expect_ok(C, "constant features (dead layer)", M(f"fc1={P('Hconst.npy')}"),
              lambda o, e: None if json.loads(o)["layers"][0]["noise"] == 1 and json.loads(o)["layers"][0].get("warnings") else "no dead-layer values")
    np.save(P("Hrd.npy"), H[:20, :].repeat(5, axis=1)[:, :100][:20])
    np.save(P("Y20.npy"), Y[:20])
    expect_ok(C, "d > N (20 × 80)", ["measure", "--json", "--targets", P("Y20.npy"), "--layer", f"fc1={P('Hrd.npy')}"],
              check_metrics(ref_metrics(np.load(P("Hrd.npy")), Y[:20]), keys=("cka",), warn_ok=True, tol=1e-5))

    # Extreme magnitudes (float64).
    for f in (1e-300, 1e-200, 1e-170, 1e-160, 1e-100, 1e-75, 1e80, 1e100, 1e150, 1e200, 1e300):
        np.save(P("Hs.npy"), H * f)
        expect_ok(C, f"features ×{f:g}", M(f"fc1={P('Hs.npy')}:{P('W.npy')}"), check_metrics(ref, keys=("noise", "cka", "wh_alignment")))
    np.save(P("Ws.npy"), W * 1e200)
    expect_ok(C, "weight ×1e200", M(f"fc1={P('H.npy')}:{P('Ws.npy')}"), check_metrics(ref))
    np.save(P("Ytiny.npy"), Y * 1e-100)
    expect_ok(C, "targets ×1e-100", ["measure", "--json", "--targets", P("Ytiny.npy"), "--layer", f"fc1={P('H.npy')}"],
              check_metrics(ref, keys=("noise", "cka")))

    # Memory: requests sized before they are allocated.
    np.save(P("Hwide.npy"), r.standard_normal((200, 50000)).astype("f4"))
    expect_error(C, "200 × 50 000 float32 features", M(f"fc1={P('Hwide.npy')}"), ["memory budget", "pool"])
    expect_ok(C, "--chunk-rows 1e9", M(f"fc1={P('H.npy')}:{P('W.npy')}", flags=["--chunk-rows", "1000000000"]), check_metrics(ref))
    write_csv(P("Y.csv"), Y)
    expect_error(C, "--chunk-rows 1e9 with CSV targets", ["measure", "--targets", P("Y.csv"), "--layer", f"fc1={P('H.npy')}",
                                                          "--chunk-rows", "1000000000"], ["memory budget", "--chunk-rows"])
    for name, shape, role in (("weight (1e11, 16)", "(100000000000, 16)", "w"), ("features (200, 200000)", "(200, 200000)", "h")):
        fifo = P(f"fifo_{role}.npy")
        os.mkfifo(fifo)
        writer = subprocess.Popen(["/usr/bin/python3", "-c", f"""
import struct
h = "{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}"
h = h + ' ' * (64 - (10 + len(h) + 1) % 64) + '\\n'
try:
    open({fifo!r}, 'wb').write(b'\\x93NUMPY\\x01\\x00' + struct.pack('<H', len(h)) + h.encode() + b'\\0' * 4096)
except BrokenPipeError:
    pass
"""])
        layer = f"fc1={P('H.npy')}:{fifo}" if role == "w" else f"fc1={fifo}"
        expect_error(C, f"FIFO {name} header", M(layer), ["memory budget", os.path.basename(fifo)])
        writer.kill()
        writer.wait()
    os.symlink("/dev/zero", P("zero.csv"))
    expect_error(C, "CSV link to /dev/zero", M(f"fc1={P('zero.csv')}"), ["zero.csv", "longer than"], timeout=60)
    os.symlink("/dev/zero", P("zero.npy"))
    expect_error(C, ".npy link to /dev/zero", M(f"fc1={P('zero.npy')}"), ["zero.npy", "magic"])

    # Non-finite values.
    Hn = H.copy()
    Hn[20, 2] = np.nan
    np.save(P("Hnan.npy"), Hn)
    expect_error(C, "NaN feature, --chunk-rows 7", M(f"fc1={P('Hnan.npy')}", flags=["--chunk-rows", "7"]),
                 ["Hnan.npy", "row 21, column 3", "impute"])
    Hn[20, 2] = np.inf
    np.save(P("Hinf.npy"), Hn)
    expect_error(C, "+Inf feature", M(f"fc1={P('Hinf.npy')}"), ["Hinf.npy", "row 21, column 3"])
    Yn = Y.copy()
    Yn[7, 0] = -np.inf
    np.save(P("Ynan.npy"), Yn)
    expect_error(C, "-Inf target", ["measure", "--targets", P("Ynan.npy"), "--layer", f"fc1={P('H.npy')}"], ["Ynan.npy", "row 8, column 1"])
    Wn = W.copy()
    Wn[0, 0] = np.nan
    np.save(P("Wnan.npy"), Wn)
    expect_error(C, "NaN weight", M(f"fc1={P('H.npy')}:{P('Wnan.npy')}"), ["Wnan.npy", "layer fc1", "row 1, column 1"])

    # Weights.
    np.save(P("W17.npy"), r.standard_normal((8, 17)))
    expect_error(C, "weight 8×17 for width 16", M(f"fc1={P('H.npy')}:{P('W17.npy')}"), ["W17.npy", "input width is 16"])
    np.save(P("WT.npy"), W.T)
    expect_error(C, "transposed 16×8 weight", M(f"fc1={P('H.npy')}:{P('WT.npy')}"), ["WT.npy", "W.T"])
    np.save(P("W1d.npy"), W[0])
    expect_error(C, "1-D weight", M(f"fc1={P('H.npy')}:{P('W1d.npy')}"), ["W1d.npy", "2-D"])
    np.save(P("Wzero.npy"), np.zeros((8, 16)))
    expect_ok(C, "all-zero weight", M(f"fc1={P('H.npy')}:{P('Wzero.npy')}"),
              lambda o, e: None if json.loads(o)["layers"][0]["stable_rank_w"] == 0 else "stable rank of a zero weight")
    # Square weights: the next probe shows the orientation.
    Hsq = r.standard_normal((400, 64))
    Wsq = r.standard_normal((64, 64)) / 8
    Ysq = Hsq[:, :3] + 0.1 * r.standard_normal((400, 3))
    np.save(P("Ysq.npy"), Ysq)
    np.save(P("Hsq.npy"), Hsq)
    np.save(P("Hsq2.npy"), np.maximum(Hsq @ Wsq.T + 0.1, 0))
    np.save(P("Wsq.npy"), Wsq)
    np.save(P("WsqT.npy"), Wsq.T)
    sq = lambda w: ["measure", "--json", "--targets", P("Ysq.npy"), "--layer", f"fc1={P('Hsq.npy')}:{P(w)}", "--layer", f"fc2={P('Hsq2.npy')}"]
    expect_error(C, "square 64×64 weight passed transposed", sq("WsqT.npy"), ["WsqT.npy", "looks transposed", "W.T"])
    expect_ok(C, "square 64×64 weight as stored", sq("Wsq.npy"),
              lambda o, e: None if any("oriented out×in" in n for n in json.loads(o).get("notes", [])) else "orientation not reported")
    expect_ok(C, "square weight without a next probe", ["measure", "--json", "--targets", P("Ysq.npy"), "--layer", f"fc1={P('Hsq.npy')}:{P('WsqT.npy')}"],
              lambda o, e: None if any("cannot be checked" in n for n in json.loads(o).get("notes", [])) else "unchecked orientation not said")

    # CSV dialects.
    write_csv(P("H.csv"), H)
    write_csv(P("W.csv"), W)
    csvref = ref_metrics(H, Y, W)
    for name, kw in {
        "plain": {}, "header row": {"header": ",".join(f"h{i}" for i in range(16))}, "CRLF": {"eol": "\r\n"},
        "no final newline": {"final": False}, "BOM (Excel CSV UTF-8)": {"bom": True}, "semicolons": {"sep": ";"},
        "tabs": {"sep": "\t"}, "CR-only": {"eol": "\r"},
    }.items():
        ykw = {k: v for k, v in kw.items() if k != "header"}
        write_csv(P("Yd.csv"), Y, **ykw)
        write_csv(P("Hd.csv"), H, **kw)
        write_csv(P("Wd.csv"), W, **ykw)
        expect_ok(C, f"CSV {name}", ["measure", "--json", "--targets", P("Yd.csv"), "--layer", f"fc1={P('Hd.csv')}:{P('Wd.csv')}"],
                  check_metrics(csvref))
    for name, index in (("pandas to_csv() with index", True), ("pandas to_csv(index=False)", False)):
        for A, fn in ((Y, "Yp.csv"), (H, "Hp.csv")):
            head = ("," if index else "") + ",".join(map(str, range(A.shape[1])))
            rows = [(f"{i}," if index else "") + ",".join(map(repr, map(float, row))) for i, row in enumerate(A)]
            open(P(fn), "w").write(head + "\n" + "\n".join(rows) + "\n")
        expect_ok(C, name, ["measure", "--json", "--targets", P("Yp.csv"), "--layer", f"fc1={P('Hp.csv')}"],
                  check_metrics(ref_metrics(H, Y)))
    lines = [",".join(map(repr, map(float, row))) for row in H]
    open(P("Hblank.csv"), "w").write("\n".join(lines[:50]) + "\n\n\n\n\n\n" + "\n".join(lines[50:55]) + "\n" + ",".join(lines[55].split(",")[:-1]) + "\n")
    expect_error(C, "CSV ragged row after 5 blank lines (line 61)", M(f"fc1={P('Hblank.csv')}"), ["Hblank.csv line 61"])
    open(P("Hdec.csv"), "w").write("\n".join(";".join(repr(float(v)).replace(".", ",") for v in row) for row in H) + "\n")
    expect_error(C, "CSV decimal commas with ;", M(f"fc1={P('Hdec.csv')}"), ["Hdec.csv", "decimal comma"])
    open(P("Hbig.csv"), "w").write("1e400" + ",1" * 15 + "\n")
    expect_error(C, "CSV 1e400", M(f"fc1={P('Hbig.csv')}"), ["Hbig.csv line 1, column 1", "range"])
    open(P("Hcomment.csv"), "w").write("# exported\n" + "\n".join(lines) + "\n")
    expect_error(C, "CSV # comment line", M(f"fc1={P('Hcomment.csv')}"), ["comment"])
    open(P("Hempty.csv"), "w").write("")
    expect_error(C, "CSV empty", M(f"fc1={P('Hempty.csv')}"), ["Hempty.csv", "empty"])
    open(P("Hhead.csv"), "w").write("a,b,c\n")
    expect_error(C, "CSV header only", M(f"fc1={P('Hhead.csv')}"), ["Hhead.csv", "0 rows"])
    cells = lines[20].split(",")
    cells[2] = "NaN"
    open(P("Hnan.csv"), "w").write("\n".join(lines[:20] + [",".join(cells)] + lines[21:]) + "\n")
    expect_error(C, "CSV NaN cell", M(f"fc1={P('Hnan.csv')}"), ["Hnan.csv line 21, column 3", "not finite"])
    cells[2] = ""
    open(P("Hcell.csv"), "w").write("\n".join(lines[:20] + [",".join(cells)] + lines[21:]) + "\n")
    expect_error(C, "CSV empty cell", M(f"fc1={P('Hcell.csv')}"), ["Hcell.csv line 21, column 3", "empty cell"])
    open(P("Hquote.csv"), "w").write("\n".join(lines[:100]) + '\n"1.0,2\n' + "\n".join(lines[100:]) + "\n")
    expect_error(C, "CSV unterminated quote", M(f"fc1={P('Hquote.csv')}"), ["Hquote.csv"])
    open(P("Hhdr2.csv"), "w").write("a" + ",b" * 15 + "\n" + "c" + ",d" * 15 + "\n" + "\n".join(lines) + "\n")
    expect_error(C, "CSV two header lines", M(f"fc1={P('Hhdr2.csv')}"), ["Hhdr2.csv line 2", "not a number"])

    # Files and flags.
    expect_error(C, "missing file", M(f"fc1={P('nope.npy')}"), ["nope.npy", "exist"])
    os.mkdir(P("adir.npy"))
    expect_error(C, "directory named .npy", M(f"fc1={P('adir.npy')}"), ["adir.npy", "directory"])
    open(P("H.txt"), "w").write("1\n")
    expect_error(C, "unknown extension", M(f"fc1={P('H.txt')}"), ["unknown file type"])
    for name, flags, frags in [
        ("--noise-max NaN", ["--noise-max", "NaN"], ["noise threshold"]),
        ("--cka-min NaN", ["--cka-min", "NaN"], ["cka threshold"]),
        ("--noise-max 5", ["--noise-max", "5"], ["noise threshold"]),
        ("--model-mse NaN", ["--model-mse", "NaN"], ["--model-mse"]),
        ("--model-mse Inf --json", ["--model-mse", "Inf"], ["--model-mse"]),
        ("--rank 17", ["--rank", "17"], ["rank", "16"]),
        ("--rank abc", ["--rank", "abc"], ["invalid value"]),
        ("--memory bogus", ["--memory", "lots"], ["memory size"]),
    ]:
        expect_error(C, name, M(f"fc1={P('H.npy')}", flags=flags), frags)
    expect_ok(C, "--model-mse 0.5 --json", M(f"fc1={P('H.npy')}", flags=["--model-mse", "0.5"]),
              lambda o, e: None if json.loads(o)["model_mse"] == 0.5 else "model MSE not reported")
    for name, args, frags in [
        ("--layer without =", ["measure", "--targets", P("Y.npy"), "--layer", P("H.npy")], ["must look like"]),
        ("--layer fc1=:W", ["measure", "--targets", P("Y.npy"), "--layer", f"fc1=:{P('W.npy')}"], ["no features file"]),
        ("duplicate layer names", M(f"fc1={P('H.npy')}", f"fc1={P('H.npy')}"), ["given twice"]),
        ("no --layer", ["measure", "--targets", P("Y.npy")], ["at least one --layer"]),
        ("positional argument", ["measure", "--targets", P("Y.npy"), "--layer", f"fc1={P('H.npy')}", "extra"], ["unexpected arguments"]),
    ]:
        expect_error(C, name, args, frags)
    demo = os.path.join(d, "demo")
    expect_ok(C, "--demo", ["measure", "--demo", demo], lambda o, e: None if "first collapsed layer" in o else "no report")
    left = leftovers(d)
    record(C, "no temporary files left by measure", "left" if left else "ok", str(left))


# ----------------------------------------------------------------- category 2

TRAIN = ["train", "--data", "swimmer", "--n", "400", "--width", "16", "--layers", "3", "--epochs", "40", "--batch", "32",
         "--measure", "8,16,24,32", "--json"]


def store_files(run_dir):
    return {f: hashlib.sha256(open(os.path.join(run_dir, f), "rb").read()).hexdigest()
            for f in ("checkpoint.bin", "results.jsonl", "status.json", "config.json")}


def run_dirs(store):
    root = os.path.join(store, "runs")
    return [os.path.join(root, k) for k in sorted(os.listdir(root))] if os.path.isdir(root) else []


def category_store():
    C = 2
    ref_store = os.path.join(SCRATCH, "s_ref")
    rc, ref_out, err = run(TRAIN + ["--store", ref_store])
    if rc != 0:
        record(C, "reference run", "crash" if crashed(rc, ref_out, err) else "wrong", err[-300:])
        return
    ref_dir = run_dirs(ref_store)[0]
    ref_files = store_files(ref_dir)
    record(C, "reference run", "ok")

    # SIGKILL at several points, then resume: bit-identical, nothing left behind.
    for seq, delays in enumerate([(0.05,), (0.1, 0.2), (0.15, 0.05, 0.3), (0.02, 0.04, 0.06, 0.08)]):
        store = os.path.join(SCRATCH, f"s_kill{seq}")
        for delay in delays:
            e = dict(os.environ, DEEPNRC_STORE=store, DEEPNRC_DATA=os.path.join(SCRATCH, "nodata"))
            p = subprocess.Popen([BIN] + TRAIN + ["--store", store, "--checkpoint-every", "1"], env=e,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=limit_memory)
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
            p.wait()
        rc, out, err = run(TRAIN + ["--store", store])
        dirs = run_dirs(store)
        left = leftovers(store)
        if crashed(rc, out, err) or rc != 0:
            record(C, f"SIGKILL ×{len(delays)} then resume", "crash" if crashed(rc, out, err) else "wrong", err[-300:])
        elif left:
            record(C, f"SIGKILL ×{len(delays)} then resume", "left", str(left))
        elif out != ref_out or store_files(dirs[0]) != ref_files:
            record(C, f"SIGKILL ×{len(delays)} then resume", "wrong", "not bit-identical to the uninterrupted run")
        else:
            record(C, f"SIGKILL ×{len(delays)} then resume", "ok")

    # Temporary files of a killed atomic write are swept on the next open.
    store = os.path.join(SCRATCH, "s_tmp")
    run(TRAIN + ["--store", store])
    rd = run_dirs(store)[0]
    for f in (".checkpoint.bin.tmp-1553798893", ".results.jsonl.tmp-1", ".status.json.tmp-2"):
        open(os.path.join(rd, f), "wb").write(b"partial")
    rc, out, err = run(TRAIN + ["--store", store])
    record(C, "stale .*.tmp-* files in a run directory", "left" if leftovers(store) else ("ok" if rc == 0 and out == ref_out else "wrong"),
           str(leftovers(store)))

    # Periodic checkpoints: a long run killed between measured epochs.
    store = os.path.join(SCRATCH, "s_long")
    e = dict(os.environ, DEEPNRC_STORE=store, DEEPNRC_DATA=os.path.join(SCRATCH, "nodata"))
    p = subprocess.Popen([BIN, "train", "--data", "swimmer", "--n", "400", "--width", "16", "--layers", "3", "--epochs", "200000",
                          "--measure", "none", "--store", store, "--checkpoint-interval", "1s"], env=e,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=limit_memory)
    time.sleep(4)
    p.send_signal(signal.SIGKILL)
    p.wait()
    try:
        st = json.load(open(os.path.join(run_dirs(store)[0], "status.json")))
        record(C, "200 000-epoch run killed after 4 s", "ok" if st["epoch"] > 0 else "left", f"last checkpoint epoch {st['epoch']}")
    except (OSError, IndexError, ValueError) as ex:
        record(C, "200 000-epoch run killed after 4 s", "left", f"no checkpoint: {ex}")

    # Corrupted and tampered stores.
    def fresh(name):
        s = os.path.join(SCRATCH, name)
        shutil.copytree(ref_store, s)
        return s, run_dirs(s)[0]

    def edit(path, fn):
        b = open(path, "rb").read()
        open(path, "wb").write(fn(b))

    for name, fname, fn, frags in [
        ("checkpoint truncated", "checkpoint.bin", lambda b: b[: len(b) // 2], ["corrupt checkpoint"]),
        ("checkpoint byte flipped", "checkpoint.bin", lambda b: b[:100] + bytes([b[100] ^ 0x40]) + b[101:], ["checksum"]),
    ]:
        s, rd = fresh("s_" + name.replace(" ", "_"))
        os.remove(os.path.join(rd, "status.json"))  # incomplete, so the checkpoint is read
        edit(os.path.join(rd, fname), fn)
        expect_error(C, name, TRAIN + ["--store", s], frags)
    for name, fname, fn, frags in [
        ("status forged complete at epoch 8", "status.json", lambda b: b'{"epoch":8,"epochs":40,"complete":true}\n', ["status.json", "keep checkpoint.bin"]),
        ("results cut at a line boundary", "results.jsonl", lambda b: b"".join(b.splitlines(True)[: len(b.splitlines()) * 3 // 4]), ["truncated or edited", "keep checkpoint.bin"]),
        ("results emptied (--json)", "results.jsonl", lambda b: b"", ["truncated or edited", "keep checkpoint.bin"]),
        ("results cut mid-line", "results.jsonl", lambda b: b[: len(b) // 2], ["truncated or edited"]),
        ("one result value edited", "results.jsonl", lambda b: b.replace(b'"value":0.', b'"value":1.', 1), ["truncated or edited"]),
        ("status truncated", "status.json", lambda b: b[:10], ["status.json", "keep checkpoint.bin"]),
        ("status emptied", "status.json", lambda b: b"", ["status.json", "keep checkpoint.bin"]),
    ]:
        s, rd = fresh("s_" + re.sub(r"\W", "_", name))
        edit(os.path.join(rd, fname), fn)
        expect_error(C, name, TRAIN + ["--store", s], frags)
        if name == "results cut at a line boundary":
            os.remove(os.path.join(rd, "results.jsonl"))
            os.remove(os.path.join(rd, "status.json"))
            expect_ok(C, "following the advice restores the run", TRAIN + ["--store", s],
                      lambda o, e: None if o == ref_out and store_files(rd) == ref_files else "not the original records")
    s, rd = fresh("s_nockpt")
    os.remove(os.path.join(rd, "checkpoint.bin"))
    os.remove(os.path.join(rd, "status.json"))
    expect_ok(C, "checkpoint deleted: retrains", TRAIN + ["--store", s], lambda o, e: None if o == ref_out else "different result")
    s, rd = fresh("s_other")
    other = os.path.join(SCRATCH, "s_o2")
    run(["train", "--data", "swimmer", "--n", "400", "--width", "16", "--layers", "3", "--epochs", "8", "--store", other, "--json"])
    shutil.copy(os.path.join(run_dirs(other)[0], "checkpoint.bin"), os.path.join(rd, "checkpoint.bin"))
    os.remove(os.path.join(rd, "status.json"))
    expect_error(C, "checkpoint of another run", TRAIN + ["--store", s], ["belongs to run"])

    # A read-only store (a run as nobody over a store it cannot write).
    if os.geteuid() == 0 and shutil.which("runuser"):
        s, rd = fresh("s_ro")
        for dp, dn, fn in os.walk(s):
            os.chmod(dp, 0o555)
            for f in fn:
                os.chmod(os.path.join(dp, f), 0o444)
        os.chmod(SCRATCH, 0o755)
        nob = lambda args: subprocess.run(["runuser", "-u", "nobody", "--", BIN] + args, capture_output=True, text=True, timeout=120,
                                          env=dict(os.environ, DEEPNRC_DATA="/nonexistent", HOME="/tmp"))
        p = nob(TRAIN + ["--store", s])
        record(C, "read-only store serves a finished run", "ok" if p.returncode == 0 and p.stdout == ref_out else
               ("crash" if crashed(p.returncode, p.stdout, p.stderr) else "unclear"), p.stderr[-300:])
        p = nob(TRAIN[:-1] + ["--seed", "9", "--store", s])
        ok = p.returncode == 1 and "--no-store" in p.stderr
        record(C, "read-only store, unfinished run", "clear" if ok else ("crash" if crashed(p.returncode, p.stdout, p.stderr) else "unclear"),
               p.stderr[-300:])

    # SIGINT: stops cleanly, says how to resume, and the rerun resumes.
    store = os.path.join(SCRATCH, "s_int")
    e = dict(os.environ, DEEPNRC_STORE=store, DEEPNRC_DATA=os.path.join(SCRATCH, "nodata"))
    p = subprocess.Popen([BIN] + TRAIN[:-1] + ["--epochs", "3000", "--measure", "100", "--store", store], env=e,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=limit_memory)
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    record(C, "SIGINT during training", "clear" if p.returncode == 1 and "rerun the same command to resume" in err else "unclear", err[-200:])

    # Full disks (a 2 MB tmpfs): the error names the file, nothing half-written stays.
    if os.geteuid() == 0 and shutil.which("mount"):
        tiny = os.path.join(SCRATCH, "tiny")
        os.makedirs(tiny)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", tiny], capture_output=True).returncode == 0:
            try:
                big = ["train", "--data", "swimmer", "--n", "400", "--width", "320", "--layers", "6", "--epochs", "2", "--store", tiny]
                rc, out, err = expect_error(C, "store on a full disk (checkpoint larger than the disk)", big, ["no space left"])
                record(C, "full disk: no temporary file left", "left" if leftovers(tiny) else "ok", str(leftovers(tiny)))
                shutil.rmtree(os.path.join(tiny, "runs"), ignore_errors=True)
                os.makedirs(os.path.join(tiny, "out"))
                try:  # fill the disk to the last byte
                    with open(os.path.join(tiny, "filler"), "wb") as fill:
                        while True:
                            fill.write(b"\0" * 4096)
                            fill.flush()
                except OSError:
                    pass
                rep = os.path.join(tiny, "out")
                rc, out, err = expect_error(3, "reproduce --out on a full disk", ["reproduce", "--scale", "smoke", "--quiet", "--no-store",
                                                                                  "--source", "standin", "--out", rep, "table2"], ["no space left"])
                record(3, "full disk: no \"report:\" line for an unwritten report", "unclear" if "report:" in out else "ok", out[-200:])
                record(3, "full disk: no temporary file left in --out", "left" if leftovers(tiny) else "ok", str(leftovers(tiny)))
                expect_error(1, "measure --demo on a full disk", ["measure", "--demo", os.path.join(tiny, "demo")], ["no space left"])
                record(1, "full disk: no temporary file left by --demo", "left" if leftovers(tiny) else "ok", str(leftovers(tiny)))
            finally:
                subprocess.run(["umount", tiny])

    # Two identical runs at once: one gets a clear lock error, the other the result.
    store = os.path.join(SCRATCH, "s_conc")
    e = dict(os.environ, DEEPNRC_STORE=store, DEEPNRC_DATA=os.path.join(SCRATCH, "nodata"))
    args = [BIN] + TRAIN[:-1] + ["--epochs", "400", "--store", store, "--json"]
    ps = [subprocess.Popen(args, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=limit_memory) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in ps]
    rcs = sorted(p.returncode for p in ps)
    lock = any("another process" in o[1] for o in outs)
    record(C, "two identical runs at once", "clear" if rcs == [0, 1] and lock else ("ok" if rcs == [0, 0] else "unclear"),
           str(rcs) + " ".join(o[1][-200:] for o in outs))


# ----------------------------------------------------------------- category 3

def category_reproduce():
    C = 3
    store = os.path.join(SCRATCH, "s_rep")
    base = ["reproduce", "--scale", "smoke", "--quiet", "--source", "standin", "--store", store]
    out = os.path.join(SCRATCH, "rep")
    expect_ok(C, "reproduce fig7", base + ["--out", out, "fig7"],
              lambda o, e: None if os.path.exists(os.path.join(out, "report.html")) and "report:" in o else "no report")
    expect_ok(C, "flags after the figure name", ["reproduce", "table2", "--scale", "smoke", "--quiet", "--source", "standin",
                                                "--store", store, "--out", out],
              lambda o, e: None if 'id="fig7"' in open(os.path.join(out, "report.html")).read() and
              'id="table2"' in open(os.path.join(out, "report.html")).read() else "report lost fig7 after table2")
    rep = open(os.path.join(out, "report.html")).read()
    record(C, "report covers every figure in the directory", "ok" if 'id="fig7"' in rep and 'id="table2"' in rep else "left")
    f = os.path.join(SCRATCH, "a-file")
    open(f, "w").close()
    for name, o, frags in [("--out \"\"", "", ["--out is empty"]), ("--out a file", f, ["--out", "not a directory"]),
                           ("--out under a file", os.path.join(f, "x"), ["--out"]), ("--out /proc/x", "/proc/x", ["--out"])]:
        rc, so, se = expect_error(C, name, base + ["--out", o, "fig7"], frags)
        if "==" in so or "report:" in so:
            record(C, name + ": checked before training", "unclear", so[-200:])
    for name, args, frags in [("unknown figure", ["fig99"], ["unknown experiment", "fig1"]),
                              ("--scale bogus", ["--scale", "bogus", "fig7"], ["unknown scale"]),
                              ("--source real without files", ["--source", "real", "--data", os.path.join(SCRATCH, "nodata"), "fig7"],
                               ["real data not available"])]:
        expect_error(C, name, ["reproduce", "--quiet", "--store", store, "--out", out] + args, frags)
    for name, ids in (("FIG7 (case)", ["FIG7"]), ("fig7 fig7", ["fig7", "fig7"]), ("fig7 all", ["fig7", "all"])):
        expect_ok(C, name, base + ["--out", os.path.join(SCRATCH, "rep2")] + ids)
    left = leftovers(SCRATCH + "/rep") + leftovers(store)
    record(C, "no temporary files in out dir or store", "left" if left else "ok", str(left))


# ----------------------------------------------------------------- category 4

def category_data():
    C = 4
    r = np.random.default_rng(0)

    def swimmer(name, text):
        dd = os.path.join(SCRATCH, "dd", name)
        os.makedirs(dd, exist_ok=True)
        open(os.path.join(dd, "swimmer.csv"), "w", newline="").write(text)
        return dd

    S = r.standard_normal((500, 10))
    good = "\n".join(",".join(repr(float(v)) for v in row) for row in S) + "\n"
    info = lambda dd, name="swimmer": ["data", "info", "-source", "real", "-dir", dd, name]
    for name, text in [("good", good), ("blank lines", good.replace("\n", "\n\n", 5)), ("CRLF", good.replace("\n", "\r\n")),
                       ("UTF-8 BOM", "\ufeff" + good), ("semicolons", good.replace(",", ";")), ("CR-only", good.replace("\n", "\r"))]:
        expect_ok(C, f"swimmer.csv {name}", info(swimmer(name, text)), lambda o, e: None if "500" in o else "not 500 rows")
    lines = good.splitlines()
    for name, text, frags in [
        ("ragged row", "\n".join(lines[:100] + [",".join(lines[100].split(",")[:9])] + lines[101:]) + "\n", ["row 101", "9 columns"]),
        ("NaN", good.replace(lines[50].split(",")[3], "nan", 1), ["row 51", "column 4", "not finite"]),
        ("header line", "s0,s1,s2,s3,s4,s5,s6,s7,a0,a1\n" + good, ["row 1", "header"]),
        ("empty", "", ["empty"]), ("1 row", lines[0] + "\n", ["need at least 2"]),
        ("1e400", "1e400" + good[good.index(","):], ["range"]),
    ]:
        expect_error(C, f"swimmer.csv {name}", info(swimmer(name, text)), ["swimmer.csv"] + frags)
    # ±1e300 state column: standardised, not overflowed into a constant.
    a, b = S.copy(), S.copy()
    a[:250, 0], a[250:, 0], b[:, 0] = 1e300, -1e300, 1.0
    da = swimmer("big", "\n".join(",".join(map(repr, map(float, x))) for x in a) + "\n")
    db = swimmer("const", "\n".join(",".join(map(repr, map(float, x))) for x in b) + "\n")
    tr = lambda dd: run(["train", "--no-store", "--data", "swimmer", "--source", "real", "--epochs", "2", "--width", "8", "--layers", "2", "--json"],
                        env={"DEEPNRC_DATA": dd})
    ra, rb = tr(da), tr(db)
    if crashed(*ra):
        record(C, "swimmer.csv ±1e300 column", "crash", ra[2][-300:])
    else:
        record(C, "swimmer.csv ±1e300 column", "ok" if ra[0] == 0 and ra[1] != rb[1] else "wrong", "same result as a constant column")

    # SGEMM: the UCI file has 241 600 rows.
    head = "MWG,NWG,KWG,MDIMC,NDIMC,MDIMA,NDIMB,KWI,VWM,VWN,STRM,STRN,SA,SB,Run1 (ms),Run2 (ms),Run3 (ms),Run4 (ms)"
    P = r.integers(1, 8, (241600, 14))
    R = r.uniform(10, 100, (241600, 4))
    rows = [",".join(map(str, p)) + "," + ",".join("%.2f" % v for v in q) for p, q in zip(P, R)]

    def sgemm(name, text):
        dd = os.path.join(SCRATCH, "dd", "sg_" + name)
        os.makedirs(dd, exist_ok=True)
        open(os.path.join(dd, "sgemm_product.csv"), "w").write(text)
        return dd
    expect_ok(C, "sgemm_product.csv whole (241 600 rows)", info(sgemm("good", head + "\n" + "\n".join(rows) + "\n"), "sgemm"),
              lambda o, e: None if "real data" in o or "241600" in o.replace(" ", "").replace(",", "") or "train" in o else "not loaded as real")
    expect_ok(C, "sgemm_product.csv with BOM header", info(sgemm("bom", "\ufeff" + head + "\n" + "\n".join(rows) + "\n"), "sgemm"))
    expect_error(C, "sgemm_product.csv cut at a row boundary (149 rows)", info(sgemm("cut", head + "\n" + "\n".join(rows[:149]) + "\n"), "sgemm"),
                 ["holds 149 rows", "241600", "fetch sgemm"])
    expect_error(C, "sgemm_product.csv cut inside the last number", info(sgemm("cutnum", (head + "\n" + "\n".join(rows[:100]))[:-3]), "sgemm"),
                 ["without a line break"])
    expect_error(C, "sgemm_product.csv ragged", info(sgemm("rag", head + "\n" + "\n".join(rows[:10]) + "\n1,2\n"), "sgemm"), ["columns"])
    expect_error(C, "sgemm_product.csv no header", info(sgemm("nohead", "\n".join(rows[:10]) + "\n"), "sgemm"), ["header"])
    # Carla2D.
    cd = os.path.join(SCRATCH, "dd", "carla_nchw", "carla2d")
    os.makedirs(cd)
    np.save(os.path.join(cd, "images.npy"), r.random((20, 3, 16, 16)).astype("f4"))
    np.save(os.path.join(cd, "targets.npy"), r.random((20, 12)).astype("f4"))
    expect_error(C, "carla2d NCHW images", info(os.path.dirname(cd), "carla2d"), ["images.npy", "NHWC"])
    np.save(os.path.join(cd, "images.npy"), (r.random((20, 16, 16, 3)) * 255).astype("u1"))
    expect_error(C, "carla2d uint8 images", info(os.path.dirname(cd), "carla2d"), ["images.npy", "float32"])
    expect_error(C, "data info unknown dataset", ["data", "info", "bogus"], ["unknown dataset"])


# ----------------------------------------------------------------- category 5

def same_report(a, b, tol=1e-12):
    """Two measure --json outputs with the same fields and values equal to
    tol relative."""
    def walk(x, y):
        if isinstance(x, dict):
            return isinstance(y, dict) and x.keys() == y.keys() and all(walk(x[k], y[k]) for k in x)
        if isinstance(x, list):
            return isinstance(y, list) and len(x) == len(y) and all(map(walk, x, y))
        if isinstance(x, float) and isinstance(y, float):
            return abs(x - y) <= tol * max(1, abs(x))
        return x == y
    return walk(json.loads(a), json.loads(b))


def category_determinism():
    C = 5
    d = os.path.join(SCRATCH, "m")
    P = lambda n: os.path.join(d, n)
    base = ["measure", "--json", "--targets", P("Y.npy"), "--layer", f"fc1={P('H.npy')}:{P('W.npy')}"]
    a, b = run(base + ["--chunk-rows", "1"]), run(base + ["--chunk-rows", "4096"])
    # Chunking changes the order of float64 sums, so agreement is to
    # rounding (1e-12 relative), as it was before issue 13.
    record(C, "measure --chunk-rows 1 vs 4096 (to 1e-12)", "ok" if a[0] == 0 and same_report(a[1], b[1]) else "wrong")
    c = run(["measure", "--json", "--targets", P("Y.csv"), "--layer", f"fc1={P('H.csv')}:{P('W.csv')}"])
    record(C, "measure .csv vs .npy (identical)", "ok" if c[0] == 0 and c[1] == b[1] else "wrong")
    t = ["train", "--no-store", "--data", "swimmer", "--n", "400", "--width", "16", "--layers", "3", "--epochs", "6", "--json"]
    x, y, z = run(t), run(t), run(t, env={"GOMAXPROCS": "1"})
    record(C, "train twice", "ok" if x[0] == 0 and x[1] == y[1] else "wrong")
    record(C, "train GOMAXPROCS=1 vs default", "ok" if x[0] == 0 and x[1] == z[1] else "wrong")
    s = os.path.join(SCRATCH, "s_det")
    stored = [a for a in t if a != "--no-store"] + ["--store", s]
    u, v = run(stored), run(stored)
    record(C, "train --no-store vs stored vs cached", "ok" if u[1] == x[1] == v[1] and u[0] == 0 else "wrong")
    e1 = run(TRAIN + ["--store", os.path.join(SCRATCH, "s_det2")], env={"GOMAXPROCS": "2"})
    rc, ref_out, _ = run(TRAIN + ["--store", os.path.join(SCRATCH, "s_det3")])
    record(C, "40-epoch run, GOMAXPROCS=2 vs default", "ok" if e1[1] == ref_out and rc == 0 else "wrong")


# ----------------------------------------------------------------- category 6

def category_flags():
    C = 6
    t = ["train", "--no-store", "--data", "swimmer", "--n", "400", "--width", "8", "--layers", "3", "--epochs", "1"]
    for cfg, frags in [("bogus", ["unknown backend"]), ("go:bogus=1", ["unknown option", "bogus"]),
                       ("go:parallelism=abc", ["not an integer"]), ("go:parallelism=-1,dotgeneral_lrage", ["unknown option"]),
                       ("xla:cuda", ["xla"])]:
        expect_error(C, f"GOMLX_BACKEND={cfg}", t, frags, env={"GOMLX_BACKEND": cfg})
    for cfg in ("go", " "):
        expect_ok(C, f"GOMLX_BACKEND={cfg!r}", t, env={"GOMLX_BACKEND": cfg})
    expect_error(C, "DEEPNRC_SCALE=bogus", ["reproduce", "--quiet", "fig7"], ["unknown scale"], env={"DEEPNRC_SCALE": "bogus"})
    expect_error(C, "DEEPNRC_MEMORY=lots", t, ["DEEPNRC_MEMORY"], env={"DEEPNRC_MEMORY": "lots"})
    for name, flags, frags in [
        ("--width 100000", ["--width", "100000"], ["memory budget", "--width"]),
        ("--n 2000000000", ["--n", "2000000000"], ["memory budget", "--n"]),
        ("--width 1 (t = 2)", ["--width", "1"], ["width 1", "--width"]),
        ("--rank 9 > input width 8", ["--rank", "9"], ["rank k = 9"]),
        ("--rank -1", ["--rank", "-1"], ["rank"]),
        ("--epochs 0", ["--epochs", "0"], ["epochs"]),
        ("--lr NaN", ["--lr", "NaN"], ["learningrate"]),
        ("--lr -0.1", ["--lr", "-0.1"], ["learningrate"]),
        ("--wd -1", ["--wd", "-1"], ["weightdecay"]),
        ("--momentum 1", ["--momentum", "1"], ["momentum"]),
        ("--batch 0", ["--batch", "0"], ["batchsize"]),
        ("--layers 0", ["--layers", "0"], ["layers"]),
        ("--measure abc", ["--measure", "abc"], ["bad epoch"]),
        ("--milestones 0", ["--milestones", "0"], ["milestone"]),
        ("--lr 1e10 (diverges)", ["--lr", "1e10", "--epochs", "3"], ["diverged", "lower the learning rate"]),
        ("--checkpoint-interval -1s", ["--checkpoint-interval", "-1s"], ["checkpoint"]),
        ("--memory 10KiB", ["--memory", "10KiB"], ["memory budget"]),
        ("--data bogus", ["--data", "bogus"], ["unknown dataset"]),
        ("--source real without files", ["--source", "real"], ["real data not available"]),
        ("--n 3", ["--n", "3"], ["need n"]),
    ]:
        rc, out, err = expect_error(C, name, t + flags, frags)
        if name.startswith("--width 1") and "epoch 1" in err:
            record(C, name + ": before training", "unclear", "failed only after epoch 1")
    tiny = os.path.join(SCRATCH, "dd", "two")
    os.makedirs(tiny)
    open(os.path.join(tiny, "swimmer.csv"), "w").write("1,2,3,4,5,6,7,8,0.1,0.2\n2,3,4,5,6,7,8,9,0.3,0.1\n")
    expect_error(C, "swimmer.csv with 2 rows", ["train", "--no-store", "--data", "swimmer", "--source", "real", "--epochs", "1", "--width", "8"],
                 ["training split has 1 rows", "N ≥ 4"], env={"DEEPNRC_DATA": tiny})
    for name, flags in [("--batch 1", ["--batch", "1"]), ("--batch 1e8", ["--batch", "100000000"]), ("--layers 1", ["--layers", "1"]),
                        ("--measure 0", ["--measure", "0"]), ("--milestones none", ["--milestones", "none"]), ("--seed -7", ["--seed", "-7"])]:
        expect_ok(C, name, t + flags)


def main():
    try:
        for fn in (category_measure, category_store, category_reproduce, category_data, category_determinism, category_flags):
            try:
                fn()
            except Exception as ex:  # a harness failure is reported, not hidden
                problems.append((0, fn.__name__, "harness", repr(ex)))
                print(f"harness error in {fn.__name__}: {ex!r}", file=sys.stderr)
                raise
    finally:
        print(f"| # | category | tried | {' | '.join(VERDICTS)} |")
        print("|---|---|---|" + "---|" * len(VERDICTS))
        total = collections.Counter()
        for c, title in CATEGORIES.items():
            row = counts[c]
            total.update(row)
            print(f"| {c} | {title} | {sum(row.values())} | " + " | ".join(str(row[v]) for v in VERDICTS) + " |")
        print(f"| | **total** | **{sum(total.values())}** | " + " | ".join(f"**{total[v]}**" for v in VERDICTS) + " |")
        for p in problems:
            print(f"[{p[0]}] {p[2]}: {p[1]}: {p[3]}")
        for root, dirs, files in os.walk(SCRATCH):
            for x in dirs:
                os.chmod(os.path.join(root, x), 0o755)
        shutil.rmtree(SCRATCH, ignore_errors=True)
    bad = sum(total[v] for v in ("crash", "wrong", "left"))
    sys.exit(1 if bad or any(p[2] == "harness" for p in problems) else 0)


if __name__ == "__main__":
    main()
