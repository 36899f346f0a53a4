/**
 * Files and downloads: {@link labkit.io.Downloads} (cached, SHA-256-verified, offline-aware fetching of {@link
 * labkit.io.RemoteFile}s) and {@link labkit.io.FileTrees}. Used by {@code data} and {@code weights}.
 */
package labkit.io;
