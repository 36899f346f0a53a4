/**
 * The kit root: {@link labkit.Labkit#init()} (offline DJL, thread settings, the start-up line every notebook
 * prints) and {@link labkit.Seedable}, the one interface the data side and training share. It imports no other
 * labkit package, so every layer may use it.
 */
package labkit;
