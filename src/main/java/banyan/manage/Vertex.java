package banyan.manage;

/**
 * A node of the graph as the stack tracks it: a service ({@link Entry}) or a root ({@link RootNode}).
 * Every field belongs to the stack thread.
 */
abstract sealed class Vertex permits Entry, RootNode {
    boolean wanted, pending;
    long instance = -1, seenPass;          // its running instance and the pass that first saw it
    long readyInstance = -1, readyPass;    // the same, once that instance was ready

    /** Its phase for the planner, counting a start or stop sent but not yet seen to take effect. */
    abstract Transitions.Phase phase();

    /** Its phase as its own status shows it, without commands on their way. */
    abstract Transitions.Phase shown();

    /** Not to run for now although wanted (being replaced, or rerooted). */
    abstract boolean holding();

    abstract void start();

    abstract void stop();

    /** The key of its current instance: the same while it runs, new after each start; -1 while it does not run. */
    abstract long instanceKey();

    /** Notes the pass in which its current instance was first seen, and first seen ready (Stack.observe). */
    final void observe(long pass) {
        Transitions.Phase p = shown();
        long key = p == Transitions.Phase.STARTING || p == Transitions.Phase.READY ? instanceKey() : -1;
        if (key != instance) {
            instance = key;
            seenPass = pass;
        }
        if (p != Transitions.Phase.READY) readyInstance = -1;
        else if (key != readyInstance) {
            readyInstance = key;
            readyPass = pass;
        }
    }
}
