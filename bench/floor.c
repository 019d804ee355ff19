/* bench/floor.c: the least a durable enqueue can do: read the message from
 * stdin, create a file with O_EXCL, write, fsync, rename, fsync the
 * directory.  usage: floor DIR */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char buf[65536], tmp[4096], dst[4096];
	ssize_t n, len = 0;
	int fd, dfd;

	if (argc != 2)
		return 64;
	while ((n = read(0, buf + len, sizeof(buf) - (size_t)len)) > 0)
		len += n;
	snprintf(tmp, sizeof(tmp), "%s/t.%ld", argv[1], (long)getpid());
	snprintf(dst, sizeof(dst), "%s/m.%ld", argv[1], (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    write(fd, buf, (size_t)len) != len || fsync(fd) == -1 || close(fd) == -1 ||
	    rename(tmp, dst) == -1 || (dfd = open(argv[1], O_RDONLY | O_DIRECTORY)) == -1 ||
	    fsync(dfd) == -1)
		return 75;
	close(dfd);
	return 0;
}
