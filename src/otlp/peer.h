/* peer.h: which process sent on a loopback TCP connection: the socket whose
 * local port is the peer's and whose remote port is ours, in /proc/net/tcp
 * and tcp6 (this network namespace), and the process holding its inode
 * among /proc/PID/fd (the lowest pid when a socket is shared). Never what
 * a request body claims. */
#ifndef PROCTOR_OTLP_PEER_H
#define PROCTOR_OTLP_PEER_H
#include <stdint.h>

struct peer_proc {
	uint32_t pid, ppid, uid, gid;
	char comm[16];
};

/* 0 with *out filled, or -1 (no such socket, or no process holds it). */
int peer_lookup(uint16_t peer_port, uint16_t our_port, struct peer_proc *out);
/* The socket inode of the connection (0: none), from the table at path. */
uint64_t peer_inode_in(const char *path, uint16_t peer_port, uint16_t our_port);

#endif
