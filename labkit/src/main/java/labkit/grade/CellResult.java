package labkit.grade;

/**
 * The grade of one marked cell of one submission.
 *
 * @param gradeId   the cell's {@code grade_id}
 * @param kind      test, solution, manual or locked
 * @param points    points earned (0 for cells that carry none)
 * @param maxPoints points the cell is worth
 * @param status    passed, partial, failed, missing-solution, not-run, cell-timeout, kernel-died, out-of-memory,
 *                  output-limit, notebook-timeout, answered, missing, manual
 * @param message   why, in one line ("" when passed)
 * @param seconds   how long the cell ran
 */
public record CellResult(String gradeId, String kind, double points, double maxPoints, String status, String message,
                         double seconds) {}
