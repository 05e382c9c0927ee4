"""stage-worker (spec contextualization.md §2.4): runs one contextualization stage for a set of VMs on
the master, detached from the SSH session that started it (run-step).

Usage: stage-worker.py GENDIR RUNROOT STAGE MEMBERS_JSON

MEMBERS_JSON: {"groups": [{"tasks": [T, ...], "vms": [{"vm": ID, "host": NAME, "tasks": [T, ...]}]}]}
The VMs of a group have content-identical playbooks, so one ansible-playbook per task serves the whole
group (IM_HOST is the comma-separated list of its hosts); groups run side by side. Hosts that fail a
task are retried alone, PLAYBOOK_RETRIES attempts in all, (attempt-1)^2*5 s apart, under the run's
deadline. Each VM gets RUNROOT/<vm>/STAGE.log with the lines that concern it (Ansible's per-host lines
go to their host's VM, headers to every VM of the run), then STAGE.json and STAGE.rc, and STAGE.failed
when it failed, which skips its later stages ("record and continue").
"""
import glob
import json
import os
import re
import subprocess
import sys
import threading
import time

gen_dir, run_root, stage, members_file = sys.argv[1:5]
os.umask(0o077)


def read_int(name, default):
    try:
        with open(os.path.join(gen_dir, name)) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return default


RETRIES = max(1, read_int("playbook_retries", 1))
DEADLINE = read_int("deadline", 0)
ENV = dict(os.environ, ANSIBLE_CONFIG=os.path.join(gen_dir, "ansible.cfg"))

STATUS = re.compile(r"^[a-z_]+: \[([^\]\s]+)(?: -> [^\]]*)?\]")
RECAP = re.compile(r"^(\S+)\s+: ok=\d+\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)")
INCLUDED = re.compile(r"^included: .* for (.+)$")
HEADER = ("PLAY ", "TASK [", "RUNNING HANDLER [", "PLAY RECAP")
TIMED_OUT = (124, 137)


class Vm:
    def __init__(self, spec):
        self.id = spec["vm"]
        self.host = spec["host"]
        self.tasks = spec["tasks"]
        self.dir = os.path.join(run_root, str(self.id))
        os.makedirs(self.dir, exist_ok=True)
        self.log = open(os.path.join(self.dir, stage + ".log"), "a", buffering=1)
        self.results = []

    def say(self, line):
        self.log.write(line if line.endswith("\n") else line + "\n")

    def record(self, ok, skipped, rc):
        doc = {"vm": self.id, "stage": stage, "ok": ok, "skipped": skipped, "tasks": self.results}
        with open(os.path.join(self.dir, stage + ".json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
        if not ok:
            open(os.path.join(self.dir, stage + ".failed"), "w").close()
        # STAGE.rc last: run-step takes its presence as "the step is recorded"
        with open(os.path.join(self.dir, stage + ".rc"), "w") as f:
            f.write("%d\n" % rc)
        self.log.close()


def playbook(vms, task):
    """Runs TASK for VMS once; returns (rc, {host: failed?}) with each output line sent to its VMs."""
    by_host = {vm.host: vm for vm in vms}
    cmd = [
        "timeout", "--kill-after=30", str(max(1, DEADLINE - int(time.time()))),
        "ansible-playbook", "-i", os.path.join(gen_dir, "hosts"),
        os.path.join(gen_dir, task + "_task_all.yml"),
        "-e", "IM_HOST=" + ",".join(by_host),
    ]
    if len(vms) == 1:
        vault = os.path.join(gen_dir, "secrets", "vault-%s" % vms[0].id)
        if os.path.exists(vault):
            cmd.append("--vault-password-file=" + vault)
    proc = subprocess.Popen(cmd, cwd=gen_dir, env=ENV, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    recap = {}
    targets = vms
    for raw in proc.stdout:
        line = raw.decode("utf-8", "replace")
        status, summary, included = STATUS.match(line), RECAP.match(line), INCLUDED.match(line)
        if status:
            targets = [by_host[status.group(1)]] if status.group(1) in by_host else []
        elif summary:
            host = summary.group(1)
            recap[host] = int(summary.group(2)) > 0 or int(summary.group(3)) > 0
            targets = [by_host[host]] if host in by_host else []
        elif included:
            names = [h.strip() for h in included.group(1).split(",")]
            targets = [by_host[h] for h in names if h in by_host]
        elif line.startswith(HEADER) or not line.strip() or not (line[0].isspace() or line[0] in "}]."):
            targets = vms
        # any other line continues the one before it (a multi-line result)
        for vm in targets:
            vm.say(line)
    return proc.wait(), recap


def run_group(group, vms):
    live = list(vms)
    for index, task in enumerate(group["tasks"]):
        pending, attempt, rc = list(live), 0, 0
        attempts = {}
        while pending and attempt < RETRIES:
            attempt += 1
            if attempt > 1:
                pause = (attempt - 1) * (attempt - 1) * 5
                for vm in pending:
                    vm.say("Task %s failed, retrying in %d s (attempt %d of %d)"
                           % (vm.tasks[index], pause, attempt, RETRIES))
                time.sleep(pause)
            if DEADLINE - time.time() <= 0:
                rc = 124
                break
            for vm in pending:
                vm.say("Launch task: " + vm.tasks[index])
                attempts[vm.id] = attempt
            rc, recap = playbook(pending, task)
            pending = [vm for vm in pending if recap.get(vm.host, True)]
            if rc in TIMED_OUT:
                break
        for vm in live:
            ok = vm not in pending
            vm.results.append({"name": vm.tasks[index], "ok": ok, "attempts": attempts.get(vm.id, attempt),
                               "rc": 0 if ok else rc})
        for vm in pending:
            code = rc if rc != 0 else 2
            if rc in TIMED_OUT:
                vm.say("ERROR: Max contextualization time passed.")
            vm.say("Contextualization failed at task %s (exit %d)." % (vm.tasks[index], code))
            vm.record(False, False, code)
            live.remove(vm)
    for vm in live:
        vm.record(True, False, 0)


def main():
    with open(members_file) as f:
        groups = json.load(f)["groups"]
    threads = []
    for group in groups:
        vms = []
        for spec in group["vms"]:
            vm = Vm(spec)
            earlier = [p for p in glob.glob(os.path.join(vm.dir, "*.failed"))
                       if os.path.basename(p) != stage + ".failed"]
            if time.time() >= DEADLINE:
                vm.say("ERROR: Max contextualization time passed.")
                vm.record(False, False, 124)
            elif earlier:
                vm.say("skipped: step %s failed" % os.path.basename(earlier[0])[: -len(".failed")])
                vm.record(False, True, 0)
            else:
                vms.append(vm)
        if vms:
            t = threading.Thread(target=run_group, args=(group, vms))
            t.start()
            threads.append(t)
    for t in threads:
        t.join()


main()
