/**
 * The command line ({@code java -jar labkit-all.jar}): benchmarks ({@code bench ...}) and grading ({@code assign},
 * {@code validate}, {@code grade}). Entry points only; nothing imports this package.
 */
package labkit.cli;
