package labkit.grade;

/**
 * What one submission may use: time per cell and per notebook, JVM heap, total memory of the kernel's process
 * tree (cgroup, where the OS allows), output bytes, and whether to isolate (no network, unprivileged user).
 *
 * @param cellSeconds     a cell running longer stops the notebook (status {@code cell-timeout})
 * @param notebookSeconds the whole notebook's budget (status {@code notebook-timeout})
 * @param heap            the kernel JVM's {@code -Xmx}, e.g. "1g"
 * @param memoryBytes     memory cap of the kernel's process tree (heap + native, e.g. PyTorch tensors)
 * @param maxOutputBytes  outputs of one cell, or of the whole notebook, beyond this stop the notebook (status
 *                        {@code output-limit})
 * @param isolate         network namespace, unprivileged user, rlimits where available
 * @param maxSubmissionBytes a larger submitted notebook is not graded (status {@code invalid})
 */
public record Limits(int cellSeconds, int notebookSeconds, String heap, long memoryBytes, long maxOutputBytes,
                     boolean isolate, long maxSubmissionBytes) {
    /**
     * Defaults for a course notebook in quick mode: 120 s per cell, 900 s per notebook, 1 GiB heap, 3 GiB, 2 MB of
     * output, 20 MiB per submission.
     */
    public static Limits defaults() {
        return new Limits(120, 900, "1g", 3L << 30, 2_000_000, true, 20L << 20);
    }

    /** Checks the values; errors name the option. */
    public Limits {
        if (cellSeconds <= 0 || notebookSeconds <= 0) {
            throw new IllegalArgumentException("--cell-timeout and --timeout must be positive seconds");
        }
        if (heap == null || !heap.matches("\\d+[kmgKMG]?")) {
            throw new IllegalArgumentException("--heap must look like 512m or 1g, got " + heap);
        }
        if (memoryBytes <= 0 || maxOutputBytes <= 0 || maxSubmissionBytes <= 0) {
            throw new IllegalArgumentException("--memory, --max-output and --max-submission must be positive");
        }
    }

    /** Parses sizes like 512m, 2g, 1500000. */
    public static long bytes(String size) {
        String s = size.trim().toLowerCase();
        long unit = 1;
        if (s.endsWith("k")) {
            unit = 1L << 10;
        } else if (s.endsWith("m")) {
            unit = 1L << 20;
        } else if (s.endsWith("g")) {
            unit = 1L << 30;
        }
        try {
            return Long.parseLong(unit == 1 ? s : s.substring(0, s.length() - 1)) * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + size + "' (use e.g. 512m, 2g)");
        }
    }
}
