/**
 * Autograding of Java notebooks: the {@link labkit.grade.Check} API for test cells, and the instructor commands
 * {@code labkit assign}, {@code validate} and {@code grade} ({@link labkit.grade.Assigner},
 * {@link labkit.grade.Validator}, {@link labkit.grade.Grader}).
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
 * <h2>Threat model</h2>
 * Student code is untrusted. It runs in its own kernel process (network, PID and mount namespaces as root;
 * user {@code nobody} without capabilities; memory cgroup; rlimits; JVM {@code -Xmx}; time and output caps).
 * Scores are read only from the outputs of test cells that the grader restored from the source; nothing the
 * student's process writes to disk is read, and no object it produced is deserialised. Markers printed from
 * solution cells are ignored; markers need the run's secret nonce; a failing check is an error output, which
 * zeroes the cell whatever else it printed. Student cells may not run magics (no extra jars ahead of labkit)
 * nor declare the names {@code labkit}, {@code java}, {@code javax}, {@code jdk} (which would shadow the fully
 * qualified names of the tests). <b>Residual risk:</b> the kernel runs student and test code in one JVM, so a
 * determined student can use reflection to read the nonce from the environment and print a forged partial
 * marker from code a test calls, or replace {@code System.out}; such tricks leave traces in the submission,
 * which is kept with its SHA-256. All-or-nothing tests cannot be forged that way (an error still zeroes them)
 * unless the student's code suppresses the test's exception, which it cannot do from a called method.
 */
package labkit.grade;
