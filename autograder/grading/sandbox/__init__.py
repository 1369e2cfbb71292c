"""The grading kernels' sandbox: every kernel of the grading kernel spec runs under bubblewrap.

`SandboxProvisioner` is a jupyter_client kernel provisioner, named in the grading kernel spec
(`metadata.kernel_provisioner`), so every kernel that `nbgrader autograde` or the class tool
starts from that spec is wrapped, whatever starts it.  The kernel gets

  * a read-only system: /usr (and /bin, /lib..., /etc), its own Python environment and the
    Python installation it is built on, and nothing else of the machine's files;
  * an empty private /tmp and home (tmpfs of `tmp_bytes` each), where matplotlib finds the list
    of the system's fonts already made (`font_list`): otherwise every kernel that imports
    pyplot would spend about 1.7 s scanning every font on the machine;
  * the notebook's folder as a scratch copy, at its own path (what it writes there is thrown
    away), and its connection file and socket folder;
  * no network (a network namespace of its own, with loopback only; it talks to nbgrader over
    Unix sockets, `c.KernelManager.transport = "ipc"`);
  * an environment of `policy.ENVIRONMENT` variables only (plus Jupyter's JPY_*);
  * limits set on the kernel itself with `prlimit`: those of `policy.SandboxLimits` (address
    space, processes and threads, file size, CPU seconds, open files), and, when grading runs as
    root, a user id of its own (`setpriv`), so that the process limit counts its processes only;
  * where the machine lets grading make control groups (root, cgroup v1 or v2), a CPU group, a
    process group and a memory group of its own: a fork bomb's processes share one kernel's CPU
    weight instead of starving nbgrader and the rest of the class, and count against its process
    limit; all its processes together hold at most `memory_bytes` of memory (the address-space
    limit above is per process: without the group, 128 processes could hold 128 times as much);
  * standard streams of its own (`KernelOutput`): input /dev/null, output and errors an unnamed
    file, never nbgrader's (a kernel that inherited them could reopen the tutor's log through
    /proc/self/fd, or write into it), and no other descriptor of the grading process;
  * a scratch folder that does not outlive the grading (`Enclosure`, in MATHS_OF_DL_SCRATCH or
    the temporary folder): removed when the kernel ends, and, when the grading process was killed
    before it could do that, by the next one (`sweep_leftovers`; the class tool's workers put it
    in the student's grading folder, which they remove however the grading ends).

The parts, one job each (importing one imports only what it needs; the package imports none):
  * `policy`: what a kernel gets: the limits (`SandboxLimits`, the provisioner's traitlets), the
    system folders, the environment's allow-list, the home, and the tutor's choice to grade
    unsandboxed;
  * `probe`: whether bubblewrap can sandbox a kernel on this machine (`problem`);
  * `fonts`: matplotlib's font list, made once per grading kernel (`font_list`);
  * `cgroups`: a sandbox's control groups, made, removed and swept;
  * `bubblewrap`: the command line that runs a kernel in the sandbox (`command`);
  * `enclosure`: one sandbox's making: its scratch copy, user id and groups (`Enclosure`), and
    the sweep of what a killed grading left;
  * `output`: a kernel's own standard streams (`KernelOutput`);
  * `provisioner`: `SandboxProvisioner`, the jupyter_client provisioner that puts every kernel of
    the grading kernel spec in a sandbox (or forks it from the student's warm parent,
    `grading.zygote`).

Where bubblewrap cannot run (not Linux, not installed, user namespaces disabled), `problem()`
says why and what to do; grading refuses (`refuse_without_sandbox`) unless the tutor chose to
grade unsandboxed with MATHS_OF_DL_UNSANDBOXED=1 (`maths-of-dl grade-class --unsandboxed`), which
is logged and shown in the class report.
"""