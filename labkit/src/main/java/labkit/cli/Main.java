package labkit.cli;

import labkit.Labkit;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code labkit} command line: benchmarks and the instructor commands assign, validate and grade. */
@Command(name = "labkit", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "labkit: the Java kit for the Neural Network Compression course.",
        subcommands = {BenchCommand.class, GradeCommands.Assign.class, GradeCommands.Validate.class,
                GradeCommands.Grade.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with labkit's error handling: a bad argument prints one line naming the option and exits
     * with 2 (picocli's usage error code); a failure while running prints one line with the message and exits
     * with 2 for bad input ({@link IllegalArgumentException}) or 1 otherwise. {@code LABKIT_STACKTRACE=1} adds the
     * stack trace.
     */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + oneLine(ex.getMessage())
                    + " (see " + c.getCommandSpec().qualifiedName() + " --help)");
            c.getErr().flush();
            return c.getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + describe(ex));
            if ("1".equals(System.getenv("LABKIT_STACKTRACE"))) {
                ex.printStackTrace(c.getErr());
            }
            c.getErr().flush();
            return ex instanceof IllegalArgumentException ? c.getCommandSpec().exitCodeOnInvalidInput()
                    : c.getCommandSpec().exitCodeOnExecutionException();
        });
        return cl;
    }

    /** The exception's message on one line, with its type when the message alone says nothing. */
    static String describe(Throwable ex) {
        String m = ex.getMessage();
        if (m == null || m.isBlank()) {
            Throwable cause = ex.getCause();
            return ex.getClass().getSimpleName() + (cause != null && cause != ex ? ": " + describe(cause) : "");
        }
        return oneLine(m);
    }

    private static String oneLine(String m) {
        return m == null ? "" : m.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** Prints labkit's version with the DJL engine it runs on. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {Labkit.init()};
        }
    }
}
