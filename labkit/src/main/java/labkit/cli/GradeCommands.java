package labkit.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import labkit.grade.Assigner;
import labkit.grade.Assignment;
import labkit.grade.GradeResult;
import labkit.grade.Gradebook;
import labkit.grade.Grader;
import labkit.grade.Ipynb;
import labkit.grade.Sandbox;
import labkit.grade.Validator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The instructor commands {@code assign}, {@code validate} and {@code grade}. */
public final class GradeCommands {
    private GradeCommands() {}

    private static int fail(String message) {
        System.err.println("error: " + message);
        return 2;
    }

    /** {@code labkit assign SOURCE OUTDIR}. */
    @Command(name = "assign", mixinStandardHelpOptions = true,
            description = {"Make the student version of an nbgrader-marked source notebook and the instructor bundle.",
                "Writes OUTDIR/student/<assignment>.ipynb (solutions -> stubs, hidden tests removed, outputs cleared)",
                "and OUTDIR/instructor/ (source.ipynb, hidden-tests.md, manifest.json with checksums). Refuses to",
                "release when the solution fails a test or the stubs pass one."})
    public static final class Assign implements Callable<Integer> {
        @Parameters(index = "0", description = "source notebook (with solutions and hidden tests)")
        Path source;

        @Parameters(index = "1", description = "output folder")
        Path out;

        @Option(names = "--no-validate", description = "skip running the solution and stub notebooks")
        boolean noValidate;

        @Mixin SandboxOptions options;

        @Override
        public Integer call() throws IOException {
            Sandbox sandbox = null;
            try {
                Assignment.load(source); // bad input fails before a kernel starts
                sandbox = noValidate ? null : options.sandbox(out);
                Path student = Assigner.assign(source, out, sandbox, !options.full, System.out);
                System.out.println("student notebook: " + student);
                System.out.println("instructor bundle: " + out.resolve("instructor"));
                return 0;
            } catch (IllegalArgumentException | IllegalStateException e) {
                return fail(e.getMessage());
            } finally {
                if (sandbox != null) {
                    sandbox.close();
                }
            }
        }
    }

    /** {@code labkit validate NOTEBOOK [--source SOURCE]}. */
    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = {"Run a notebook headless as the grader would and say, per graded cell, what passes.",
                "Without --source the notebook itself is the assignment (a source or solution notebook)."})
    public static final class Validate implements Callable<Integer> {
        @Parameters(index = "0", description = "notebook to run")
        Path notebook;

        @Option(names = "--source", description = "the assignment's source notebook (restores locked and test cells)")
        Path source;

        @Mixin SandboxOptions options;

        @Override
        public Integer call() throws IOException {
            try {
                Assignment a = Assignment.load(source != null ? source : notebook);
                var nb = Ipynb.read(notebook);
                try (Sandbox sandbox = options.sandbox(notebook.toAbsolutePath().getParent())) {
                    GradeResult r = Validator.validate(a, nb, notebook.toString(), sandbox, !options.full);
                    System.out.println(notebook + " against " + a.path() + ":");
                    System.out.print(Validator.table(r));
                    return r.points() >= r.maxPoints() && r.status().equals("graded") ? 0 : 1;
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                return fail(e.getMessage());
            }
        }
    }

    /** {@code labkit grade --source SOURCE SUBMISSIONS --out GRADES}. */
    @Command(name = "grade", mixinStandardHelpOptions = true,
            description = {"Autograde a folder of submissions (one .ipynb per student, or one folder per student).",
                "Writes GRADES/grades.csv, GRADES/results/<student>.json and GRADES/feedback/<student>.html.",
                "Running it again resumes: submissions whose result is up to date are not graded again."})
    public static final class Grade implements Callable<Integer> {
        @Option(names = "--source", required = true, description = "the assignment's source notebook")
        Path source;

        @Parameters(index = "0", description = "submissions folder")
        Path submissions;

        @Option(names = "--out", required = true, description = "output folder for grades, results and feedback")
        Path out;

        @Option(names = {"-j", "--jobs"}, description = "submissions graded at the same time (default ${DEFAULT-VALUE})")
        int jobs = 1;

        @Mixin SandboxOptions options;

        @Override
        public Integer call() {
            try {
                Assignment a = Assignment.load(source);
                if (!Files.isDirectory(out)) {
                    Files.createDirectories(out);
                    Files.setPosixFilePermissions(out, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
                }
                List<GradeResult> results;
                try (Sandbox sandbox = options.sandbox(out)) {
                    System.out.println("grading '" + a.name() + "' (" + a.tests().size() + " test cells, "
                            + Gradebook.number(a.maxPoints()) + " points) with " + jobs + " job(s)");
                    System.out.println("isolation: " + String.join("; ", sandbox.features()));
                    results = new Grader(a, sandbox, out, !options.full, System.out).gradeAll(submissions, jobs);
                }
                long invalid = results.stream().filter(r -> r.status().equals("invalid")).count();
                System.out.println(results.size() + " submission(s), " + invalid + " invalid; grades: "
                        + out.resolve("grades.csv"));
                return 0;
            } catch (IllegalArgumentException | IllegalStateException | IOException e) {
                return fail(e.getMessage());
            }
        }
    }
}
