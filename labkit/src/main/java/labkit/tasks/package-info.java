/**
 * One facade per course task ({@code Task1} ... {@code Task5}, {@code DepthProject}, {@code Deployment}, {@code
 * Compression}): the course's vocabulary over every other package, called from the notebooks. The top of the
 * dependency picture; only {@code cli} imports it.
 */
package labkit.tasks;
