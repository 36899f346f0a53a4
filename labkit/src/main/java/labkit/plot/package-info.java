/**
 * Figures and pictures: Tablesaw/Plotly charts, image grids, depth panels and a kernel-aware {@code Show.show(...)}
 * that works in Jupyter and plain Java.
 */
package labkit.plot;
