package banyan.manage;

/**
 * A node of the graph as the stack tracks it: a service ({@link Entry}), a root ({@link RootNode}) or
 * a service of a peer ({@link RemoteNode}).
 * Every field belongs to the stack thread.
 */
abstract sealed class Vertex permits Entry, RootNode, RemoteNode {
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

    /**
     * A service whose instance is no newer than the ready instance of something it requires is
     * stale: both died (kill -9 -1) and restarted on their own, and the level alone would not show
     * that the requirement went away in between (observe notes the passes).
     */
    static boolean stale(Graph graph, Vertex[] byIndex, int i) {
        Vertex e = byIndex[i];
        if (e.instance == -1) return false;
        for (int r : graph.requires()[i])
            if (byIndex[r].readyInstance != -1 && byIndex[r].readyPass >= e.seenPass) return true;
        return false;
    }
}
