"""Keeps the rig's sshd processes as its children and reaps every process that dies inside the rig.

PID 1 on CI machines may not reap orphans, so the rig's VMs (sshd -D and whatever their sessions leave
behind, e.g. recipe services started with nohup) are kept under this child subreaper. It runs in the
foreground of whoever started the rig (the test process or a shell), which reaps the holder itself.

holder.py RIGDIR: reads RIGDIR/vms (one line per VM: ns vmdir hostname listen user password pubkey),
starts every VM, prints "RIG READY" when every sshd accepts connections, then waits until every child
has ended (scripts/rig/rig-down.sh kills them). Exit 0 after a clean run, 1 when the rig did not come up.
"""

import ctypes
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1


def main() -> int:
    rig = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    # If whoever started the rig dies, stop the VMs instead of leaving them running forever.
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)

    vms = []
    with open(os.path.join(rig, "vms")) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 7:
                vms.append(parts)

    children = []

    def stop(_sig=None, _frame=None):
        for p in children:
            try:
                p.terminate()
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    with open(os.path.join(rig, "pids"), "a") as pids:
        for ns, vmdir, name, listen, user, password, pub in vms:
            # ip netns exec, unshare and sh all exec: the PID is sshd's.
            p = subprocess.Popen(
                ["ip", "netns", "exec", ns, "unshare", "--mount", "--uts", "--propagation", "private",
                 "sh", os.path.join(here, "vm-boot.sh"), vmdir, name, listen, user, password, pub],
                stdin=subprocess.DEVNULL,
            )
            children.append(p)
            pids.write(f"{p.pid}\n")
            pids.flush()

    ready = False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and all(p.poll() is None for p in children):
        ok = True
        for ns, _vmdir, _name, listen, *_ in vms:
            addr = listen if listen != "0.0.0.0" else "127.0.0.1"
            r = subprocess.run(["ip", "netns", "exec", ns, "bash", "-c", f"exec 3<>/dev/tcp/{addr}/22"],
                               stderr=subprocess.DEVNULL)
            if r.returncode != 0:
                ok = False
                break
        if ok:
            ready = True
            break
        time.sleep(0.1)

    if ready:
        with open(os.path.join(rig, "ready"), "w") as f:
            f.write(f"{os.getpid()}\n")
        print("RIG READY", flush=True)
    else:
        print("RIG FAILED: sshd did not accept connections; see */sshd.log under " + rig, file=sys.stderr, flush=True)
        stop()

    # Reap our children and every orphan adopted as subreaper until nothing is left.
    while True:
        try:
            os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
