#!/usr/bin/python3
"""GPT-2 decode speed and memory per codec, against FP32 (XNNPACK Linear).

    bench/gpt2_decode_bench.py BUILD_DIR [--checkpoint DIR] [--codecs "f32;q8_0;q4_0;..."]
                               [--threads 1,2] [--tokens 64] [--json]

Makes a GPT-2-124M-shaped checkpoint with tools/make_gpt2_checkpoint.py
(random weights, real shapes; needs python3-numpy) unless --checkpoint is
given, converts it once per codec with nibble-convert, and runs the gpt2
example (-n TOKENS, greedy) in its own process per codec and thread count,
so peak RSS is that model's. The machine's single-thread read bandwidth is
measured in the same run (nibble-bench --families bandwidth). Each row
reports decode tokens/s, its ratio to FP32 at the same thread count, the
fraction of the read bandwidth the decode step reaches (weight bytes read
per token x tokens/s / bandwidth) and peak RSS against FP32's.
"""
import argparse, json, os, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("no JSON line in output:\n" + text)


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    if p.returncode != 0:
        raise RuntimeError(" ".join(cmd) + " failed:\n" + p.stderr)
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--checkpoint")
    ap.add_argument("--codecs", default="f32;q8_0;int:8;q4_0;q4_1;int:4;pqnt:4;lut:4;lut:4,group=32;lut:3,group=32",
                    help="codecs separated by ;")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--activations", default="f32", help="f32 or int8: what the fused kernels multiply")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    convert = os.path.join(a.build, "converter", "nibble-convert")
    gpt2 = os.path.join(a.build, "examples", "gpt2")
    bench = os.path.join(a.build, "bench", "nibble-bench")
    work = tempfile.mkdtemp(prefix="nibble-gpt2-bench-")
    ckpt = a.checkpoint
    if ckpt is None:
        ckpt = os.path.join(work, "gpt2-124m")
        run([os.path.join(ROOT, "tools", "make_gpt2_checkpoint.py"), ckpt, "--size", "124M"])
    cfg = json.load(open(os.path.join(ckpt, "config.json")))
    # wpe stays f32; a decode step reads one of its rows.
    wpe_bytes = cfg["n_positions"] * cfg["n_embd"] * 4
    bw = last_json(run([bench, "--families", "bandwidth", "--json"]))
    read_gbps = bw.get("read_gbps", bw.get("gbps"))
    rows = []
    for codec in a.codecs.split(";"):
        model = os.path.join(work, codec.replace(":", "_").replace(",", "_").replace("=", "_") + ".nbl")
        cmd = [convert, ckpt, "-o", model]
        if codec != "f32":
            cmd += ["--codec", codec]
        run(cmd)
        for t in a.threads.split(","):
            r = last_json(run([gpt2, "-m", model, "-p", "The", "-n", str(a.tokens), "--threads", t, "--activations", a.activations, "--json"]))
            # Per token the decode step reads every weight once, except the
            # position table (one row): weight_bytes - wpe bytes.
            per_token = r["weight_bytes"] - wpe_bytes
            rows.append(dict(codec=codec, threads=int(t), activations=a.activations, decode_tok_s=r["decode_tok_s"],
                             prefill_tok_s=r["prefill_tok_s"], ttft_ms=r["ttft_ms"], model_bytes=r["model_bytes"],
                             weight_bytes_per_token=per_token, peak_rss_bytes=r["peak_rss_bytes"],
                             pct_bandwidth=100.0 * per_token * r["decode_tok_s"] / (read_gbps * 1e9)))
    base = {r["threads"]: r for r in rows if r["codec"] == "f32"}
    for r in rows:
        b = base.get(r["threads"])
        r["speedup_vs_f32"] = r["decode_tok_s"] / b["decode_tok_s"] if b else None
        r["rss_vs_f32"] = r["peak_rss_bytes"] / b["peak_rss_bytes"] if b else None
    if a.json:
        print(json.dumps(dict(family="bandwidth", read_gbps=read_gbps)))
        for r in rows:
            print(json.dumps(dict(family="gpt2_decode", **r)))
        return
    print(f"read bandwidth {read_gbps:.2f} GB/s (1 thread, measured in this run)")
    print(f"{'codec':<8} {'thr':>3} {'decode tok/s':>12} {'x f32':>6} {'% bw':>6} {'prefill tok/s':>13} "
          f"{'model MB':>9} {'peak RSS MB':>11} {'RSS/f32':>7}")
    for r in rows:
        sp = f"{r['speedup_vs_f32']:.2f}" if r["speedup_vs_f32"] else "-"
        rs = f"{r['rss_vs_f32']:.2f}" if r["rss_vs_f32"] else "-"
        print(f"{r['codec']:<8} {r['threads']:>3} {r['decode_tok_s']:>12.1f} {sp:>6} {r['pct_bandwidth']:>6.1f} "
              f"{r['prefill_tok_s']:>13.1f} {r['model_bytes'] / 1e6:>9.1f} {r['peak_rss_bytes'] / 1e6:>11.1f} {rs:>7}")


if __name__ == "__main__":
    main()
