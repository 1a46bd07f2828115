// Runs a command that dies with its parent: PR_SET_PDEATHSIG survives execve, so `pdeath node x.mjs`
// gives a Node consumer the same guarantee the C programs set for themselves.
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: pdeath <command> [args...]\n");
		return 2;
	}
	pid_t parent = getppid();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		return 1;
	if (getppid() != parent) // the parent died before prctl: nobody would kill us
		return 1;
	execvp(argv[1], argv + 1);
	perror("execvp");
	return 127;
}
