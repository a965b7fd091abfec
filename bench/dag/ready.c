/*
 * ready: the service of the DAG benchmark. Says it is ready the s6 way (a newline on fd 3),
 * then sleeps in pause() until a signal ends it. Built static, so exec costs next to nothing
 * and the figures measure banyan, not the dynamic loader.
 */
#include <unistd.h>

int main(void)
{
	(void)!write(3, "\n", 1);
	close(3);
	pause();
	return 0;
}
