package banyan.manage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Conditions that callers wait for, tested on the stack thread after each decision. */
final class Waiters {
    private record Waiter(BooleanSupplier condition, CompletableFuture<Void> done) {}

    private final Inbox inbox;
    private final List<Waiter> waiters = new ArrayList<>(); // stack thread

    Waiters(Inbox inbox) {
        this.inbox = inbox;
    }

    /** Stack thread: releases those whose condition holds now. */
    void test() {
        waiters.removeIf(w -> w.condition().getAsBoolean() && w.done().complete(null));
    }

    /** Waits until condition, evaluated on the stack thread after each decision, holds; false on timeout. */
    boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        Waiter w = new Waiter(condition, new CompletableFuture<>());
        inbox.command(() -> waiters.add(w));
        try {
            w.done().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            inbox.command(() -> waiters.remove(w));
            return false;
        }
    }
}
