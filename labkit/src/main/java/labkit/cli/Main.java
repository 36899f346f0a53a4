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
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /** Prints labkit's version with the DJL engine it runs on. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {Labkit.init()};
        }
    }
}
