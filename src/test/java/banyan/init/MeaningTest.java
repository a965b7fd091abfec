package banyan.init;

import banyan.os.Signals;
import org.junit.jupiter.api.Test;

import static banyan.init.Init.Mode.CONTAINER;
import static banyan.init.Init.Mode.MACHINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The signal table of docs/init.md. */
class MeaningTest {
    @Test
    void container() {
        for (int s : new int[]{Signals.TERM, Signals.INT, Signals.PWR})
            assertEquals(new Meaning.Shutdown(Action.POWEROFF), Meaning.of(CONTAINER, s), Signals.name(s));
        assertEquals(new Meaning.ForwardToMain(), Meaning.of(CONTAINER, Signals.USR1));
        assertEquals(new Meaning.ForwardToMain(), Meaning.of(CONTAINER, Signals.USR2));
        assertEquals(new Meaning.Reload(), Meaning.of(CONTAINER, Signals.HUP));
    }

    @Test
    void machine() {
        assertEquals(new Meaning.Shutdown(Action.REBOOT), Meaning.of(MACHINE, Signals.INT));
        assertEquals(new Meaning.Shutdown(Action.POWEROFF), Meaning.of(MACHINE, Signals.PWR));
        assertEquals(new Meaning.Shutdown(Action.POWEROFF), Meaning.of(MACHINE, Signals.USR2));
        assertEquals(new Meaning.Shutdown(Action.HALT), Meaning.of(MACHINE, Signals.USR1));
        assertEquals(new Meaning.Reload(), Meaning.of(MACHINE, Signals.HUP));
        assertInstanceOf(Meaning.Ignore.class, Meaning.of(MACHINE, Signals.TERM), "a stray kill -TERM 1 must not power a machine off");
    }
}
