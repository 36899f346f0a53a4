package org.rapaio.jupyter.kernel.channels;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Drop-in replacement for rapaio-jupyter-kernel 3.0.1's {@code LoopThread} that fixes two start races which
 * leave a kernel that never answers ("Kernel didn't respond").
 *
 * <ol>
 *   <li>The original {@code start()} calls {@code super.start()} before setting {@code running = true}; a loop
 *       thread scheduled at once sees {@code running == false} and exits. Here the flag is raised first.</li>
 *   <li>{@code Channels.connect} starts the channel threads before it fills its handler map, so a request that
 *       arrives early throws a {@code NullPointerException} in the loop body, which killed the thread. Here an
 *       exception from the body is logged and the loop goes on; clients re-send {@code kernel_info} until
 *       answered, so the lost early request does no harm.</li>
 * </ol>
 *
 * <p>The jar holding this class goes before the kernel jar on the classpath, so this class wins. Same public
 * API as the original: {@code (String, long, Runnable)}, {@code run()}, {@code start()}, {@code shutdown()}.
 */
public final class LoopThread extends Thread {

    private static final Logger LOGGER = Logger.getLogger("LoopThread");

    private volatile boolean running = false;
    private final long sleep;
    private final Runnable loopBody;

    public LoopThread(String name, long sleep, Runnable loopBody) {
        super(name);
        this.sleep = sleep;
        this.loopBody = loopBody;
    }

    @Override
    public void run() {
        while (running) {
            try {
                loopBody.run();
            } catch (RuntimeException e) {
                // Logged through java.util.logging: its handler writes to the kernel's own stderr (its log),
                // never into a notebook cell, even while a cell has System.err redirected.
                LOGGER.log(Level.WARNING, getName() + ": loop body failed (" + e + "), continuing", e);
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                running = false;
                return;
            }
        }
    }

    @Override
    public synchronized void start() {
        running = true; // raise the flag first: the new thread may run before super.start() returns
        super.start();
    }

    public void shutdown() {
        running = false;
    }
}
