"""Runs galaxy-io's inspect, merge and recover on every file of a hostile corpus and tabulates.

Usage: run_hostile_corpus.py GALAXY_IO CORPUS_DIR WORK_DIR [--jobs N] [--json OUT.json]

CORPUS_DIR is what hostile_corpus.py wrote (with its manifest.json). For each file, under a
2 GB address-space limit (RLIMIT_AS, as `ulimit -v 2000000`) and a 60 s timeout:

* ``inspect FILE``;
* ``merge FILE -o WORK_DIR/<file>/m.h5 --force``, then ``inspect m.h5`` when the merge wrote it;
* ``recover`` on a copy of the file (with copies of its companions beside it, so that links
  resolve), in WORK_DIR/<file>/recover/.

Prints a Markdown table: file, command, exit status or signal, flags and the first line of
stderr. Flags: SIGNAL (killed by a signal, e.g. SIGSEGV or SIGABRT), PANIC (exit 101 or
"panicked"), TIMEOUT, MEMORY (an allocation failed: Rust's "memory allocation of", HDF5's
"memory allocation failed") and CHANGED (recover changed the copy; noted with the copy's new
size when it grew). The JSON output also has each run's time. Exit 0 on completion, whatever was found.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ADDRESS_LIMIT = 2_000_000 * 1024  # bytes: ulimit -v 2000000
TIMEOUT = 60.0


def limit():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_LIMIT, ADDRESS_LIMIT))


def run(argv, cwd=None):
    """Runs argv under the limits; returns (status, stderr, seconds, timed_out)."""
    env = dict(os.environ)
    env.pop("RUST_BACKTRACE", None)
    env["RUST_LOG"] = env.get("HOSTILE_RUST_LOG", "warn")
    start = time.monotonic()
    with open(os.devnull, "wb") as devnull:
        process = subprocess.Popen(argv, stdout=devnull, stderr=subprocess.PIPE, stdin=devnull,
                                   cwd=cwd, env=env, preexec_fn=limit, start_new_session=True)
    os.set_blocking(process.stderr.fileno(), False)
    stderr = b""
    timed_out = False
    while True:
        chunk = process.stderr.read()
        if chunk:
            stderr += chunk[: max(0, 65536 - len(stderr))]
        pid, status = os.waitpid(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - start > TIMEOUT:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            pid, status = os.waitpid(process.pid, 0)
            break
        time.sleep(0.005)
    rest = process.stderr.read() or b""
    stderr += rest[: max(0, 65536 - len(stderr))]
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, stderr.decode("utf-8", "replace"), time.monotonic() - start, timed_out


def describe(status, stderr, timed_out):
    flags = []
    if timed_out:
        flags.append("TIMEOUT")
    if status < 0 and not timed_out:
        flags.append("SIGNAL")
    if status == 101 or "panicked" in stderr:
        flags.append("PANIC")
    if ("memory allocation of" in stderr or "memory allocation failed" in stderr
            or "out of memory" in stderr.lower() or "bad_alloc" in stderr):
        flags.append("MEMORY")
    if status < 0:
        try:
            shown = signal.Signals(-status).name
        except ValueError:
            shown = f"signal {-status}"
    else:
        shown = str(status)
    return shown, flags


def first_line(stderr):
    for line in stderr.splitlines():
        if line.strip():
            return line.strip()
    return ""


def companions_of(manifest, name, seen=None):
    seen = set() if seen is None else seen
    for companion in manifest[name]["companions"]:
        if companion not in seen:
            seen.add(companion)
            companions_of(manifest, companion, seen)
    return seen


def copy(source, target):
    if source.is_dir():
        shutil.copytree(source, target)
    elif source.exists():
        shutil.copy2(source, target)


def digest(path):
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.stat().st_size < 1 << 30 \
        else ("big", path.stat().st_size)


def one_file(binary, corpus, work, manifest, name):
    rows = []
    place = work / name.replace("/", "_")
    if place.exists():
        shutil.rmtree(place)
    place.mkdir(parents=True)
    path = corpus / name

    def record(command, argv, note=""):
        status, stderr, seconds, timed_out = run(argv)
        shown, flags = describe(status, stderr, timed_out)
        rows.append({"file": name, "command": command, "status": shown, "flags": flags,
                     "stderr": first_line(stderr), "seconds": round(seconds, 3), "note": note})
        return status

    record("inspect", [binary, "inspect", str(path)])
    merged = place / "m.h5"
    record("merge", [binary, "merge", str(path), "-o", str(merged), "--force"])
    if merged.exists():
        record("inspect m.h5", [binary, "inspect", str(merged)])
    copies = place / "recover"
    copies.mkdir()
    for companion in companions_of(manifest, name):
        copy(corpus / companion, copies / companion)
    target = copies / name
    copy(path, target)
    before = digest(target)
    size_before = target.stat().st_size if target.is_file() else None
    status = record("recover", [binary, "recover", str(target)])
    after = digest(target)
    if before != after:
        note = "CHANGED"
        if target.is_file() and size_before is not None and target.stat().st_size > size_before:
            note += f" (copy grew from {size_before} to {target.stat().st_size} bytes)"
        rows[-1]["note"] = note
    shutil.rmtree(place)
    return rows


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv[1:])
    binary = str(Path(args.binary).resolve())
    corpus = args.corpus.resolve()
    manifest = {e["name"]: e for e in json.loads((corpus / "manifest.json").read_text())}
    args.work.mkdir(parents=True, exist_ok=True)
    work = args.work.resolve()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda n: one_file(binary, corpus, work, manifest, n), manifest))
    rows = [row for result in results for row in result]
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    print("| file | command | status | flags | first line of stderr |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        flags = " ".join(f"**{flag}**" for flag in row["flags"])
        if row["note"]:
            flags = (flags + " " + row["note"]).strip()
        text = row["stderr"].replace("|", "\\|")
        if len(text) > 160:
            text = text[:157] + "..."
        print(f"| {row['file']} | {row['command']} | {row['status']} | {flags} | {text} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
