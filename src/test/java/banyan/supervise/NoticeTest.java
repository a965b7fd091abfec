package banyan.supervise;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The sd_notify parser as a table: a datagram ('|' for a newline) and what banyan reads in it, in order. */
class NoticeTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ';', value = {
            "READY=1;                                Ready[]",
            "READY=0;                                ''",
            "READY=1|STATUS=Serving 3 clients;       Ready[], Status[text=Serving 3 clients]",
            "STATUS=;                                Status[text=]",
            "STATUS=a=b;                             Status[text=a=b]",
            "STATUS=one|STATUS=two;                  Status[text=one], Status[text=two]",
            "STOPPING=1;                             Stopping[]",
            "WATCHDOG=1;                             Watchdog[]",
            "WATCHDOG=trigger;                       WatchdogTrigger[]",
            "WATCHDOG=2;                             ''",
            "MAINPID=4242;                           MainPid[pid=4242]",
            "'MAINPID= 77 ';                         MainPid[pid=77]",
            "MAINPID=0;                              ''",
            "MAINPID=-5;                             ''",
            "MAINPID=abc;                            ''",
            "MAINPID=99999999999;                    ''",
            "EXTEND_TIMEOUT_USEC=5000000;            ExtendTimeout[micros=5000000]",
            "EXTEND_TIMEOUT_USEC=;                   ''",
            "ERRNO=2|BUSERROR=x|FDSTORE=1|ready=1;   ''",
            "=1|READY|READY 1;                       ''",
            "READY=1||STATUS=x|;                     Ready[], Status[text=x]",
            "'';                                     ''",
    })
    void parse(String datagram, String expected) {
        String got = Notice.parse(datagram.replace('|', '\n')).stream().map(Object::toString).collect(Collectors.joining(", "));
        assertEquals(expected, got);
    }
}
