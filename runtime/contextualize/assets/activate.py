"""ctxt-activate (spec contextualization.md §2.3): writes the dynamic files of generation g (inventory,
etc_hosts, 0600 secrets) read as JSON from stdin, sets the run's deadline, points gen-current at this
generation, ends leftover processes of older generations and deletes generations older than g-1.
Usage: activate.py GENDIR MAXTIME."""
import json
import os
import shutil
import subprocess
import sys
import time

gen_dir, max_time = sys.argv[1], int(sys.argv[2])
conf = os.path.dirname(gen_dir)
g = int(open(os.path.join(gen_dir, "GENERATION")).read().strip())
os.umask(0o077)
doc = json.load(sys.stdin)
for path, spec in doc["files"].items():
    full = os.path.join(gen_dir, path)
    os.makedirs(os.path.dirname(full), mode=0o700, exist_ok=True)
    tmp = full + ".tmp"
    with open(tmp, "w") as f:
        f.write(spec["content"])
    os.chmod(tmp, spec["mode"])
    os.replace(tmp, full)
with open(os.path.join(gen_dir, "deadline"), "w") as f:
    f.write("%d\n" % (int(time.time()) + max_time))
# gen-current -> gen-<g>: the step commands name it, so their text does not change with g
link = os.path.join(conf, "gen-current")
if os.path.lexists(link + ".tmp"):
    os.remove(link + ".tmp")
os.symlink(os.path.basename(gen_dir), link + ".tmp")
os.replace(link + ".tmp", link)
subprocess.run(["sh", os.path.join(gen_dir, "bin", "kill-gen"), conf, "older-than:%d" % g])
for name in os.listdir(conf):
    if name.startswith("gen-") and name[4:].isdigit() and int(name[4:]) < g - 1:
        shutil.rmtree(os.path.join(conf, name), ignore_errors=True)
print(json.dumps({"ok": True, "generation": g, "files": len(doc["files"])}))
