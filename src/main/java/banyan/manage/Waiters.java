package banyan.manage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Conditions that callers wait for, tested on the stack thread after each decision. */
final class Waiters {
    private record Waiter(BooleanSupplier condition, CompletableFuture<Void> done) {}

    private final BlockingQueue<Runnable> inbox;
    private final List<Waiter> waiters = new ArrayList<>(); // stack thread

    Waiters(BlockingQueue<Runnable> inbox) {
        this.inbox = inbox;
    }

    /** Stack thread: releases those whose condition holds now. */
    void test() {
        waiters.removeIf(w -> w.condition().getAsBoolean() && w.done().complete(null));
    }

    /** Waits until condition, evaluated on the stack thread after each decision, holds; false on timeout. */
    boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        Waiter w = new Waiter(condition, new CompletableFuture<>());
        inbox.offer(() -> waiters.add(w));
        try {
            w.done().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            inbox.offer(() -> waiters.remove(w));
            return false;
        }
    }
}
