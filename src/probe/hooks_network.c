/* hooks_network.c: the network family's syscall hooks (bpf/network.bpf.c).
 * All on exit: the result is part of every record. */
#include <stddef.h>
#include <sys/syscall.h>

#include "probe/syscall_table.h"

const struct syscall_hook network_hooks[] = {
	{SYS_socket, "tail_net_socket", true},	   {SYS_connect, "tail_net_connect", true},
	{SYS_bind, "tail_net_bind", true},	   {SYS_listen, "tail_net_listen", true},
	{SYS_accept, "tail_net_accept", true},	   {SYS_accept4, "tail_net_accept", true},
	{SYS_sendto, "tail_net_sendto", true},	   {SYS_sendmsg, "tail_net_sendmsg", true},
	{SYS_sendmmsg, "tail_net_sendmmsg", true}, {.prog = NULL},
};
