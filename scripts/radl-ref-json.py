#!/usr/bin/env python3
"""Run the reference RADL parser (PyPI package RADL, spec radl.md "REF") on documents.

Run with the interpreter of the virtualenv made by scripts/ci.d/40-python-radl.sh:

  .venv/radl/bin/python scripts/radl-ref-json.py            # batch: JSON lines in, JSON lines out
  .venv/radl/bin/python scripts/radl-ref-json.py --parse-only   # batch, without check()
  .venv/radl/bin/python scripts/radl-ref-json.py --one      # one document on stdin, one result
  .venv/radl/bin/python scripts/radl-ref-json.py --bench    # one document: timings and peak memory

Batch input: one JSON string per line (the document text, RADL or RADL-JSON). Output, one line per
input line, in order:
  {"ok": true, "json": <REF's compact JSON dump of the document, as a value>}
  {"ok": false, "stage": "parse" | "check" | "dump", "error": "<exception class>: <message>"}

A document is RADL-JSON when its first non-blank character is "[" or "{" (the same rule as
compiler/load.ts). Text goes through REF's parser class directly instead of radl_parse.parse_radl,
because the latter reads a file when the text happens to name an existing path.
"""

import json
import resource
import sys
import time

from radl import radl_json
from radl.radl import RADL
from radl.radl_parse import RADLParser


def is_json(text):
    stripped = text.lstrip("\ufeff \t\r\n")
    return stripped[:1] in ("[", "{")


def parse(text):
    if is_json(text):
        return radl_json.parse_radl(json.loads(text))
    if text.strip() == "":
        return RADL()
    return RADLParser(lextab="radl").parse(text + "\n")


def describe(exc):
    return "%s: %s" % (type(exc).__name__, exc)


def run_one(text, with_check=True):
    try:
        document = parse(text)
    except Exception as exc:  # REF also crashes with TypeError, KeyError, AssertionError...
        return {"ok": False, "stage": "parse", "error": describe(exc)}
    try:
        if with_check:
            document.check()
    except Exception as exc:
        return {"ok": False, "stage": "check", "error": describe(exc)}
    try:
        dumped = json.loads(radl_json.dump_radl(document, enter="", indent=""))
    except Exception as exc:
        return {"ok": False, "stage": "dump", "error": describe(exc)}
    return {"ok": True, "json": dumped}


def batch(with_check):
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        out.write(json.dumps(run_one(json.loads(line), with_check)) + "\n")
    out.flush()


def bench():
    text = sys.stdin.read()
    rss_before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, started_cpu = time.perf_counter(), time.process_time()
    document = parse(text)
    parsed, parsed_cpu = time.perf_counter(), time.process_time()
    document.check()
    checked, checked_cpu = time.perf_counter(), time.process_time()
    print(json.dumps({
        "bytes": len(text.encode("utf-8")),
        "parse_s": parsed - started,
        "check_s": checked - parsed,
        "parse_cpu_s": parsed_cpu - started_cpu,
        "check_cpu_s": checked_cpu - parsed_cpu,
        "rss_before_kb": rss_before_kb,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


def main(argv):
    if argv[1:] == ["--bench"]:
        bench()
    elif argv[1:] == ["--one"]:
        print(json.dumps(run_one(sys.stdin.read())))
    elif argv[1:] == ["--parse-only"]:
        batch(False)
    elif argv[1:] == []:
        batch(True)
    else:
        sys.stderr.write("usage: radl-ref-json.py [--parse-only | --one | --bench]\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
