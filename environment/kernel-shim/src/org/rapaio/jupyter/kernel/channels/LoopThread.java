package org.rapaio.jupyter.kernel.channels;

/**
 * Drop-in replacement for rapaio-jupyter-kernel 3.0.1's {@code LoopThread}, fixing its start race.
 *
 * <p>The original {@code start()} calls {@code super.start()} before setting {@code running = true}; a loop
 * thread scheduled at once sees {@code running == false} and exits, and when that is the shell channel's
 * thread the kernel never answers ("Kernel didn't respond"). Here the flag is raised before the thread starts.
 * The jar holding this class goes before the kernel jar on the classpath, so this class wins.
 * Same public API as the original: {@code (String, long, Runnable)}, {@code run()}, {@code start()},
 * {@code shutdown()}.
 */
public final class LoopThread extends Thread {

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
            loopBody.run();
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
