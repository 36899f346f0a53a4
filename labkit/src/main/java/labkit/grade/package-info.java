/**
 * Autograding of Java notebooks: the {@link labkit.grade.Check} API for test cells, and the instructor commands
 * {@code labkit assign}, {@code validate} and {@code grade} ({@link labkit.grade.Assigner},
 * {@link labkit.grade.Validator}, {@link labkit.grade.Grader}), which all run notebooks through
 * {@link labkit.grade.Executor}.
 *
 * <h2>Authoring</h2>
 * Cells carry nbgrader's metadata ({@code metadata.nbgrader}: {@code grade}, {@code solution}, {@code locked},
 * {@code points}, {@code grade_id}, {@code schema_version}), so nbgrader's "Create Assignment" toolbar marks them.
 * In Java cells {@code // BEGIN SOLUTION} … {@code // END SOLUTION} and {@code // BEGIN HIDDEN TESTS} …
 * {@code // END HIDDEN TESTS} play the role of nbgrader's markers. A test cell earns its points when it ends
 * without an error; {@code labkit.grade.Check.partial(fraction, why)} or a {@code Check.tally()} gives a fraction
 * (the smallest, if several).
 *
 * <h2>Result file ({@code results/<student>.json}, schema {@code labkit-grade-result/1})</h2>
 * {@code schema}, {@code student}, {@code submission} (path under the submissions folder),
 * {@code submission_sha256}, {@code assignment}, {@code source_sha256}, {@code status} (graded, cell-timeout,
 * notebook-timeout, kernel-died, out-of-memory, output-limit, kernel-start-failed, error, invalid),
 * {@code message}, {@code points}, {@code max_points}, {@code cells} (each: {@code grade_id}, {@code kind} test /
 * solution / manual / locked, {@code points}, {@code max_points}, {@code status}, {@code message},
 * {@code seconds}), {@code notes} (what was restored, refused or ignored), {@code environment} ({@code labkit},
 * {@code jdk}, {@code isolation}: the limits the machine allowed), {@code seconds}, {@code graded_at}.
 *
 * <h2>Execution</h2>
 * Each submission runs in a {@link labkit.grade.CellRunner} process (trusted) and one agent JVM (untrusted). The
 * runner holds JShell's state: it splits each cell into lines at {@code \R} and into snippets as JShell does,
 * compiles them, and reads each snippet's outcome (compile error, exception, value) from JShell's events. Snippets
 * execute in the agent ({@code jdk.jshell.execution.RemoteExecutionControl}), started by the runner with a fixed
 * command: the labkit jar alone on its class path, {@code -XX:+DisableAttachMechanism}, exit on
 * {@code OutOfMemoryError}. No Jupyter kernel is involved; the grader needs only the JDK.
 *
 * <h2>Threat model</h2>
 * Student code is untrusted; it runs only in the agent. <b>Defended</b> (each has an attack in {@code GraderIT} or
 * {@code GraderInputsTest}):
 * <ul>
 * <li>Forged verdicts through the kernel: the runner's and the grader's objects live in other processes; the
 *     agent talks to the runner only through JShell's wire protocol on a loopback socket. A test cell scores 0
 *     when JShell reports an error for it, whatever the cell or the student printed ({@code System.setOut}
 *     filters, printed markers and output of any kind are never read for scores).</li>
 * <li>Forged partial credit: {@link labkit.grade.Check#partial} only records the smallest fraction in the agent;
 *     the runner reads it after the cell with a token whose hash it sealed into {@code Check} before any student
 *     cell ran, so student code can neither read nor reset the record through the API.</li>
 * <li>Another {@code labkit.grade.Check} or {@code labkit.tasks} ahead of labkit: the agent's class path is
 *     fixed by the runner; the grader runs no magics (a {@code %jars} line naming the labkit jar is ignored, any
 *     other magic is an error); answer cells containing U+2028, U+2029, U+0085, VT or FF are refused (they could
 *     hide a magic in a comment); the runner checks that {@code Check} was loaded from the grader's jar.</li>
 * <li>Shadowing: student cells may not declare or import the names {@code labkit}, {@code java}, {@code javax},
 *     {@code jdk}, also when spelled with Unicode escapes or identifier-ignorable characters (a soft hyphen).
 *     Student cells placed before the set-up cells run after them.</li>
 * <li>Students hurting or reading each other (as root): each agent runs in fresh network (loopback only), PID
 *     and mount namespaces, as a uid of its own (so process limits are per submission) with no capabilities and
 *     {@code no_new_privs}, in memory and pids cgroups, with rlimits; its root is a private tmpfs holding
 *     read-only binds of {@code /usr}, a few {@code /etc} entries, the jar and the DJL cache, and fresh tmpfs for
 *     {@code /work}, {@code /tmp}, {@code /var/tmp}, {@code /dev/shm}; the instructor's source, release folder,
 *     other submissions and the grader's output are not in its view; everything it wrote disappears with the
 *     namespace, and every process it started is killed when the run ends.</li>
 * <li>Resources: time per cell and per notebook, output bytes per cell and per notebook, heap and total memory;
 *     each ends the run with its own status and keeps the points earned before.</li>
 * <li>Inputs and outputs: symbolic-link submissions are refused, oversized ones are invalid, colliding names are
 *     kept apart, skipped files are listed; feedback HTML escapes every text and embeds only outputs that decode
 *     as base64 PNG; {@code grades.csv} is rebuilt from every result file and never drops a row.</li>
 * </ul>
 * <b>Not defended (residual risk):</b> test code runs in the same agent JVM as the student's code, because it
 * calls the student's functions. Code there can use reflection on classes of the unnamed module (labkit's own,
 * the snippets') or {@code sun.misc.Unsafe}: it could change the fraction {@code Check} recorded, the state of a
 * {@code Check.Tally} or of a test's local objects, or write JShell protocol frames to its own socket. Such code is
 * deliberate and stays in the submission, which is kept with its SHA-256 and shown in the feedback. Without root,
 * the agent gets at most user, network and PID namespaces: no private root, no uid of its own, no cgroups
 * ({@code environment.isolation} in every result says what the machine allowed). The runner compiles student code
 * with javac in its own process (outside the memory cgroup, under the notebook time limit).
 */
package labkit.grade;
