package banyan.roots;

import banyan.roots.Root.Effect;
import banyan.roots.Root.Memory;
import banyan.roots.Root.Note;
import banyan.roots.Root.State;
import banyan.roots.Root.Step;

import java.util.ArrayList;
import java.util.List;

/** A step of {@link RootLifecycle} being built: effects in order, and the counters it moves on. */
final class Out {
    private final Memory m;
    private final List<Effect> effects = new ArrayList<>();
    private int jobs, stages;
    int losses, rounds;

    Out(Memory m) {
        this.m = m;
        jobs = m.jobs();
        stages = m.stages();
        losses = m.losses();
        rounds = m.rounds();
    }

    int job() {
        return ++jobs;
    }

    int stage() {
        return ++stages;
    }

    void add(Effect e) {
        effects.add(e);
    }

    void note(String text) {
        effects.add(new Note(text));
    }

    String reason() {
        return m.reason();
    }

    Out rounds(int n) {
        rounds = n;
        return this;
    }

    Step to(State s, String reason) {
        return new Step(new Memory(s, jobs, stages, losses, rounds, reason), List.copyOf(effects));
    }

    Step same() {
        return new Step(m, List.of());
    }
}
