/* The builder's progress reporter loads JAVA_HOME/lib/svm/builder/lib/libreporterchelper.so,
 * which a GraalVM ships and Maven Central does not: these are its two functions (peak RSS of the
 * builder, width of the terminal), written for bench/native/try. */
#include <jni.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

JNIEXPORT jlong JNICALL Java_com_oracle_svm_hosted_ProgressReporterCHelper_getPeakRSS0(JNIEnv *env, jclass c) {
  (void)env; (void)c;
  struct rusage u;
  return getrusage(RUSAGE_SELF, &u) == 0 ? (jlong)u.ru_maxrss * 1024 : -1; /* ru_maxrss is in KiB */
}

JNIEXPORT jint JNICALL Java_com_oracle_svm_hosted_ProgressReporterCHelper_getTerminalWindowColumns0(JNIEnv *env, jclass c) {
  (void)env; (void)c;
  struct winsize w;
  return ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0 ? w.ws_col : 80;
}
