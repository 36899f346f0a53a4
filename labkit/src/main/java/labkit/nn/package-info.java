/**
 * Reusable named blocks (conv-bn-act, inverted residual, MBConv, BiFPN, FFNet heads, SESR collapsible block,
 * attention) and the tools that walk a model as a tree ({@link labkit.nn.BlockTree}, {@link labkit.nn.Container}).
 * Sits directly on DJL; imports no other labkit package.
 */
package labkit.nn;
