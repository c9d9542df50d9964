#!/usr/bin/env python3
"""Weight SNRs of the reference codec definitions, computed independently of
nibble with NumPy, on the Conv/Gemm weights of an ONNX model.

  /usr/bin/python3 bench/reference/codec_snr.py tests/fixtures/resnet20_cifar10.onnx

Optional tool (NumPy only; not part of the test path). It reads the ONNX
protobuf with a minimal wire-format parser, so it needs no onnx package.
Block codecs are computed along each output channel's reduction axis in
both orders: "hwi" is nibble's (OHWI weights), "ihw" PyTorch's (OIHW).
nibble-convert's report must equal the "hwi" figures; the published
reference figures (../shared/reference) differ from both by up to 0.3 dB
(1 dB for log2 at 4 bits), see docs/CODECS.md.
"""
import sys

import numpy as np


def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def fields(b):
    i, out = 0, []
    while i < len(b):
        key, i = varint(b, i)
        f, t = key >> 3, key & 7
        if t == 0:
            v, i = varint(b, i)
        elif t == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif t == 5:
            v, i = b[i:i + 4], i + 4
        elif t == 1:
            v, i = b[i:i + 8], i + 8
        else:
            raise ValueError("unsupported wire type %d" % t)
        out.append((f, t, v))
    return out


def onnx_weights(path):
    """Float initializers (raw_data) and the weight input of each Conv/Gemm/MatMul, in node order."""
    graph = [v for f, _, v in fields(open(path, "rb").read()) if f == 7][0]
    inits, nodes = {}, []
    for f, _, v in fields(graph):
        if f == 5:
            dims, name, raw = [], "", None
            for ff, tt, vv in fields(v):
                if ff == 1 and tt == 0:
                    dims.append(vv)
                elif ff == 1:
                    j = 0
                    while j < len(vv):
                        d, j = varint(vv, j)
                        dims.append(d)
                elif ff == 8:
                    name = vv.decode()
                elif ff == 9:
                    raw = vv
            if raw is not None and dims:
                inits[name] = np.frombuffer(raw, dtype=np.float32).reshape(dims).astype(np.float64)
        elif f == 1:
            ins, op = [], ""
            for ff, _, vv in fields(v):
                if ff == 1:
                    ins.append(vv.decode())
                elif ff == 4:
                    op = vv.decode()
            nodes.append((op, ins))
    return [inits[i[1]] for op, i in nodes if op in ("Conv", "Gemm", "MatMul") and len(i) > 1 and i[1] in inits]


def snr(pairs):
    s = sum((w ** 2).sum() for w, _ in pairs)
    e = sum(((w - h) ** 2).sum() for w, h in pairs)
    return 10 * np.log10(s / e)


def rows(w, order):
    if w.ndim == 4 and order == "hwi":
        w = w.transpose(0, 2, 3, 1)
    return w.reshape(w.shape[0], -1)


def blocks(w2):
    o, k = w2.shape
    kp = (k + 31) // 32 * 32
    x = np.zeros((o, kp))
    x[:, :k] = w2
    return x.reshape(o, -1, 32), k


def unblock(x, o, k):
    return x.reshape(o, -1)[:, :k]


def q8_0(w2):
    x, k = blocks(w2)
    d = np.abs(x).max(-1, keepdims=True) / 127
    return unblock(np.round(x / np.where(d == 0, 1, d)) * d, *w2.shape)


def q_0(w2, b):  # ggml's q4_0/q5_0 rule
    x, k = blocks(w2)
    mx = np.take_along_axis(x, np.abs(x).argmax(-1)[..., None], -1)
    d = mx / -(2 ** (b - 1))
    d[d == 0] = 1
    q = np.clip(np.floor(x / d + 2 ** (b - 1) + 0.5), 0, 2 ** b - 1)
    return unblock((q - 2 ** (b - 1)) * d, *w2.shape)


def q_1(w2, b):
    x, k = blocks(w2)
    mn, mx = x.min(-1, keepdims=True), x.max(-1, keepdims=True)
    d = (mx - mn) / (2 ** b - 1)
    d[d == 0] = 1
    return unblock(np.clip(np.round((x - mn) / d), 0, 2 ** b - 1) * d + mn, *w2.shape)


def int_channel(w2, b):
    s = np.abs(w2).max(1, keepdims=True) / (2 ** (b - 1) - 1)
    return np.round(w2 / s) * s


def pqnt(w2, b, p, per_channel):
    t = np.sign(w2) * np.abs(w2) ** p
    s = (np.abs(t).max(1, keepdims=True) if per_channel else np.abs(t).max()) / (2 ** (b - 1) - 1)
    th = np.clip(np.round(t / s), -(2 ** (b - 1)), 2 ** (b - 1) - 1) * s
    return np.sign(th) * np.abs(th) ** (1 / p)


def lsq(w2, B):
    s = np.abs(w2).max(1, keepdims=True)
    m_ = np.clip(w2 / s, -1, 1)
    m = np.clip(np.round(2.0 ** (B * np.abs(m_))), 1, 2 ** B - 1)
    return np.sign(m_) * np.log2(m) / B * s


def log2code(w2, b, r):
    s = np.abs(w2).max(1, keepdims=True)
    s[s == 0] = 1
    v = np.abs(w2) / s
    kmax = 2 ** (b - 1) - 2
    kf = -r * np.log2(np.maximum(v, 1e-30))
    k = np.clip(np.round(kf), 0, kmax)
    mag = 2.0 ** (-k / r)
    mag[v < 0.5 * 2.0 ** (-kmax / r)] = 0
    return np.sign(w2) * mag * s


def main():
    ws = onnx_weights(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/resnet20_cifar10.onnx")
    print("%d weight tensors, %d weights" % (len(ws), sum(w.size for w in ws)))
    for order in ("hwi", "ihw"):
        for name, f in (("q8_0", q8_0), ("q5_0", lambda a: q_0(a, 5)), ("q5_1", lambda a: q_1(a, 5)),
                        ("q4_0", lambda a: q_0(a, 4)), ("q4_1", lambda a: q_1(a, 4))):
            print("%-22s %-4s %6.2f dB" % (name, order, snr([(rows(w, order), f(rows(w, order))) for w in ws])))
    per_channel = [
        ("int8_per_channel", lambda a: int_channel(a, 8)), ("int4_per_channel", lambda a: int_channel(a, 4)),
        ("pqnt8_tensor_p0.56", lambda a: pqnt(a, 8, 0.56, False)), ("pqnt8_channel_p0.56", lambda a: pqnt(a, 8, 0.56, True)),
        ("pqnt4_channel_p0.56", lambda a: pqnt(a, 4, 0.56, True)), ("lsq_seed_C8(B7)", lambda a: lsq(a, 7)),
        ("lsq_seed_C6(B5)", lambda a: lsq(a, 5)), ("lsq_seed_C4(B3)", lambda a: lsq(a, 3)),
    ]
    for name, f in per_channel:
        print("%-22s      %6.2f dB" % (name, snr([(rows(w, "hwi"), f(rows(w, "hwi"))) for w in ws])))
    for b in (8, 4):
        best = max((snr([(rows(w, "hwi"), log2code(rows(w, "hwi"), b, r)) for w in ws]), r)
                   for r in (0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16))
        print("%-22s      %6.2f dB (r = %g)" % ("log2_%dbit_channel" % b, best[0], best[1]))


if __name__ == "__main__":
    main()
