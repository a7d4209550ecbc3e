/*
 * A stand-in for an SPDK nvmf target process, for testing tools/gdb/rdma_snapshot.py without SPDK.
 *
 * It declares the structures the snapshot script walks with SPDK's type and field names and nesting
 * (struct spdk_nvmf_tgt -> transports -> struct spdk_nvmf_rdma_transport -> poll_groups -> pollers -> the qpairs
 * tree -> resources -> reqs/recvs, the pending queues, the depth counters, the ibv_qp), intrusive lists from
 * <sys/queue.h>, and the real struct ibv_qp / ibv_send_wr from rdma-core. Only the fields the script reads are
 * declared (plus a few neighbours, so offsets are not trivially zero): the script relies on debug information,
 * never on offsets, so a real SPDK binary is walked the same way.
 *
 * The state it builds is the one SPDK issue #3463 left behind (pre-4e45c5636b): an RDMA READ of a write whose
 * READs were posted in parts completed with IBV_WC_RETRY_EXC_ERR; the request was set COMPLETED while still at the
 * head of pending_rdma_read_queue; the drain then freed it, and STAILQ_INSERT_HEAD(free_queue) overwrote the shared
 * state_link. The request (reqs[FIXTURE_CULPRIT] of the I/O qpair) is now linked in both queues.
 *
 * A second variant, "before-drain", is the consistent state a moment earlier (the failed READ reaped, the flushed
 * WRs not yet): the fixed transport drains it cleanly, the pre-fix one double-inserts the request.
 *
 * Run: ./fixture [corrupted|before-drain] -> prints "ready <pid>" once the state is built, then waits (for gcore)
 * until SIGTERM.
 */
#include <infiniband/verbs.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/queue.h>
#include <unistd.h>

#define FIXTURE_ADMIN_DEPTH 32
#define FIXTURE_IO_DEPTH 16
#define FIXTURE_CULPRIT 11
#define FIXTURE_C2H 4
#define FIXTURE_EXECUTING 9

enum spdk_nvmf_rdma_request_state {
	RDMA_REQUEST_STATE_FREE = 0,
	RDMA_REQUEST_STATE_NEW,
	RDMA_REQUEST_STATE_NEED_DATA_WR,
	RDMA_REQUEST_STATE_NEED_BUFFER,
	RDMA_REQUEST_STATE_HAVE_BUFFER,
	RDMA_REQUEST_STATE_DATA_TRANSFER_TO_CONTROLLER_PENDING,
	RDMA_REQUEST_STATE_TRANSFERRING_HOST_TO_CONTROLLER,
	RDMA_REQUEST_STATE_READY_TO_EXECUTE,
	RDMA_REQUEST_STATE_EXECUTING,
	RDMA_REQUEST_STATE_EXECUTED,
	RDMA_REQUEST_STATE_DATA_TRANSFER_TO_HOST_PENDING,
	RDMA_REQUEST_STATE_READY_TO_COMPLETE_PENDING,
	RDMA_REQUEST_STATE_READY_TO_COMPLETE,
	RDMA_REQUEST_STATE_TRANSFERRING_CONTROLLER_TO_HOST,
	RDMA_REQUEST_STATE_COMPLETING,
	RDMA_REQUEST_STATE_COMPLETED,
	RDMA_REQUEST_NUM_STATES,
};

enum spdk_nvmf_qpair_state {
	SPDK_NVMF_QPAIR_UNINITIALIZED = 0,
	SPDK_NVMF_QPAIR_CONNECTING,
	SPDK_NVMF_QPAIR_AUTHENTICATING,
	SPDK_NVMF_QPAIR_ENABLED,
	SPDK_NVMF_QPAIR_DEACTIVATING,
	SPDK_NVMF_QPAIR_ERROR,
};

enum spdk_nvme_data_transfer {
	SPDK_NVME_DATA_NONE = 0,
	SPDK_NVME_DATA_HOST_TO_CONTROLLER = 1,
	SPDK_NVME_DATA_CONTROLLER_TO_HOST = 2,
	SPDK_NVME_DATA_BIDIRECTIONAL = 3,
};

/* Referenced so that the enum types are in the debug information, as they are in an SPDK build. */
enum spdk_nvmf_rdma_request_state g_fixture_state_type;
enum spdk_nvmf_qpair_state g_fixture_qpair_state_type;
enum spdk_nvme_data_transfer g_fixture_xfer_type;

union nvmf_h2c_msg {
	uint8_t raw[64];
};

union nvmf_c2h_msg {
	uint8_t raw[16];
};

struct spdk_nvmf_transport_ops {
	char name[32];
	int type;
};

struct spdk_nvmf_transport_opts {
	uint16_t max_queue_depth;
	uint16_t max_qpairs_per_ctrlr;
	uint32_t in_capsule_data_size;
	uint32_t max_io_size;
	uint32_t io_unit_size;
	uint32_t max_aq_depth;
	uint32_t num_shared_buffers;
};

struct spdk_nvmf_tgt;

struct spdk_nvmf_transport {
	struct spdk_nvmf_tgt *tgt;
	const struct spdk_nvmf_transport_ops *ops;
	struct spdk_nvmf_transport_opts opts;
	uint32_t large_bufsize;
	uint32_t small_bufsize;
	TAILQ_ENTRY(spdk_nvmf_transport) link;
};

struct spdk_nvmf_tgt {
	char name[256];
	uint32_t max_subsystems;
	TAILQ_HEAD(, spdk_nvmf_transport) transports;
	TAILQ_ENTRY(spdk_nvmf_tgt) link;
};

struct spdk_nvmf_qpair {
	uint8_t state;
	uint8_t rsvd;
	uint16_t qid;
	uint16_t sq_head;
	uint16_t sq_head_max;
	struct spdk_nvmf_transport *transport;
	bool connect_received;
	bool disconnect_started;
	uint16_t trace_id;
	uint16_t queue_depth;
};

struct spdk_nvmf_request {
	struct spdk_nvmf_qpair *qpair;
	uint32_t length;
	uint8_t xfer;
	uint8_t raw;
	uint8_t zcopy_phase;
	uint8_t iovcnt;
	union nvmf_h2c_msg *cmd;
	union nvmf_c2h_msg *rsp;
	STAILQ_ENTRY(spdk_nvmf_request) buf_link;
};

struct spdk_nvmf_rdma_wr {
	uint8_t type;
};

struct spdk_nvmf_rdma_qpair;

struct spdk_nvmf_rdma_recv {
	struct ibv_recv_wr wr;
	struct ibv_sge sgl[2];
	struct spdk_nvmf_rdma_qpair *qpair;
	uint8_t *buf;
	struct spdk_nvmf_rdma_wr rdma_wr;
	uint64_t receive_tsc;
	STAILQ_ENTRY(spdk_nvmf_rdma_recv) link;
};

struct spdk_nvmf_rdma_request_data {
	struct ibv_send_wr wr;
	struct ibv_sge sgl[16];
};

struct spdk_nvmf_rdma_request {
	struct spdk_nvmf_request req;
	bool fused_failed;
	struct spdk_nvmf_rdma_wr data_wr;
	struct spdk_nvmf_rdma_wr rsp_wr;
	uint8_t state;
	uint8_t num_wrs;
	uint32_t offset;
	struct spdk_nvmf_rdma_recv *recv;
	struct {
		struct ibv_send_wr wr;
		struct ibv_sge sgl[1];
	} rsp;
	uint16_t iovpos;
	uint16_t num_outstanding_data_wr;
	uint16_t num_remaining_data_wr;
	uint64_t receive_tsc;
	struct spdk_nvmf_rdma_request *fused_pair;
	STAILQ_ENTRY(spdk_nvmf_rdma_request) state_link;
	struct ibv_send_wr *remaining_tranfer_in_wrs;
	struct ibv_send_wr *transfer_wr;
	struct spdk_nvmf_rdma_request_data data;
};

struct spdk_nvmf_rdma_resources {
	struct spdk_nvmf_rdma_request *reqs;
	struct spdk_nvmf_rdma_recv *recvs;
	union nvmf_h2c_msg *cmds;
	union nvmf_c2h_msg *cpls;
	void *bufs;
	STAILQ_HEAD(, spdk_nvmf_rdma_recv) incoming_queue;
	STAILQ_HEAD(, spdk_nvmf_rdma_request) free_queue;
};

struct rdma_cm_id;

struct spdk_rdma_provider_qp {
	struct ibv_qp *qp;
	struct rdma_cm_id *cm_id;
};

struct spdk_nvmf_rdma_poller;

struct spdk_nvmf_rdma_qpair {
	struct spdk_nvmf_qpair qpair;
	void *device;
	struct spdk_nvmf_rdma_poller *poller;
	struct spdk_rdma_provider_qp *rdma_qp;
	struct rdma_cm_id *cm_id;
	void *srq;
	struct rdma_cm_id *listen_id;
	uint32_t qp_num;
	uint16_t max_queue_depth;
	uint16_t max_read_depth;
	uint32_t max_send_depth;
	uint16_t current_recv_depth;
	uint16_t current_read_depth;
	uint32_t current_send_depth;
	uint32_t max_send_sge;
	uint32_t max_recv_sge;
	bool ibv_in_error_state;
	struct spdk_nvmf_rdma_resources *resources;
	STAILQ_HEAD(, spdk_nvmf_rdma_request) pending_iobuf_queue;
	STAILQ_HEAD(, spdk_nvmf_rdma_request) pending_rdma_read_queue;
	STAILQ_HEAD(, spdk_nvmf_rdma_request) pending_rdma_write_queue;
	STAILQ_HEAD(, spdk_nvmf_rdma_request) pending_rdma_send_queue;
	struct {
		struct spdk_nvmf_rdma_qpair *rbe_left;
		struct spdk_nvmf_rdma_qpair *rbe_right;
		struct spdk_nvmf_rdma_qpair *rbe_parent;
	} node;
	TAILQ_ENTRY(spdk_nvmf_rdma_qpair) active_link;
	bool last_wqe_reached;
	bool to_close;
};

struct spdk_nvmf_rdma_poll_group;

struct qpairs_tree {
	struct spdk_nvmf_rdma_qpair *rbh_root;
};

struct spdk_nvmf_rdma_poller {
	void *device;
	struct spdk_nvmf_rdma_poll_group *group;
	int num_cqe;
	int required_num_wr;
	struct ibv_cq *cq;
	uint16_t max_srq_depth;
	bool need_destroy;
	void *srq;
	struct spdk_nvmf_rdma_resources *resources;
	struct qpairs_tree qpairs;
	TAILQ_HEAD(, spdk_nvmf_rdma_qpair) active_qpairs;
	TAILQ_ENTRY(spdk_nvmf_rdma_poller) link;
};

struct spdk_nvmf_transport_poll_group {
	struct spdk_nvmf_transport *transport;
	STAILQ_HEAD(, spdk_nvmf_request) pending_buf_queue;
};

struct spdk_nvmf_rdma_poll_group {
	struct spdk_nvmf_transport_poll_group group;
	TAILQ_HEAD(, spdk_nvmf_rdma_poller) pollers;
	TAILQ_ENTRY(spdk_nvmf_rdma_poll_group) link;
};

struct spdk_nvmf_rdma_transport {
	struct spdk_nvmf_transport transport;
	void *event_channel;
	void *data_wr_pool;
	TAILQ_HEAD(, spdk_nvmf_rdma_poll_group) poll_groups;
};

static TAILQ_HEAD(, spdk_nvmf_tgt) g_nvmf_tgts = TAILQ_HEAD_INITIALIZER(g_nvmf_tgts);

static const struct spdk_nvmf_transport_ops g_rdma_ops = { .name = "RDMA", .type = 1 };

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (p == NULL) {
		perror("calloc");
		exit(2);
	}
	return p;
}

static struct spdk_nvmf_rdma_qpair *
new_qpair(struct spdk_nvmf_rdma_poller *poller, uint16_t qid, uint16_t depth, uint32_t qp_num)
{
	struct spdk_nvmf_rdma_qpair *q = xcalloc(1, sizeof(*q));
	struct spdk_nvmf_rdma_resources *res = xcalloc(1, sizeof(*res));
	int i;

	q->qpair.qid = qid;
	q->qpair.state = SPDK_NVMF_QPAIR_ENABLED;
	q->poller = poller;
	q->qp_num = qp_num;
	q->max_queue_depth = depth;
	q->max_read_depth = 16;
	q->max_send_depth = 2 * depth;
	q->rdma_qp = xcalloc(1, sizeof(*q->rdma_qp));
	q->rdma_qp->qp = xcalloc(1, sizeof(struct ibv_qp));
	q->rdma_qp->qp->qp_num = qp_num;
	q->rdma_qp->qp->state = IBV_QPS_RTS;
	q->resources = res;
	STAILQ_INIT(&q->pending_iobuf_queue);
	STAILQ_INIT(&q->pending_rdma_read_queue);
	STAILQ_INIT(&q->pending_rdma_write_queue);
	STAILQ_INIT(&q->pending_rdma_send_queue);
	res->reqs = xcalloc(depth, sizeof(*res->reqs));
	res->recvs = xcalloc(depth, sizeof(*res->recvs));
	res->cmds = xcalloc(depth, sizeof(*res->cmds));
	res->cpls = xcalloc(depth, sizeof(*res->cpls));
	STAILQ_INIT(&res->incoming_queue);
	STAILQ_INIT(&res->free_queue);
	for (i = depth - 1; i >= 0; i--) {
		struct spdk_nvmf_rdma_request *r = &res->reqs[i];
		r->req.qpair = &q->qpair;
		r->req.cmd = &res->cmds[i];
		r->req.rsp = &res->cpls[i];
		r->data.wr.wr_id = (uintptr_t)&r->data_wr;
		r->data.wr.sg_list = r->data.sgl;
		r->rsp.wr.wr_id = (uintptr_t)&r->rsp_wr;
		r->rsp.wr.opcode = IBV_WR_SEND;
		r->state = RDMA_REQUEST_STATE_FREE;
		STAILQ_INSERT_HEAD(&res->free_queue, r, state_link);
		res->recvs[i].qpair = q;
	}
	return q;
}

/* Takes request i off the free queue and gives it the capsule held by recv i (a command in flight). */
static struct spdk_nvmf_rdma_request *
start_command(struct spdk_nvmf_rdma_qpair *q, int i, uint8_t opcode, enum spdk_nvme_data_transfer xfer, uint32_t length)
{
	struct spdk_nvmf_rdma_request *r = &q->resources->reqs[i];

	STAILQ_REMOVE(&q->resources->free_queue, r, spdk_nvmf_rdma_request, state_link);
	r->recv = &q->resources->recvs[i];
	r->req.xfer = xfer;
	r->req.length = length;
	r->req.cmd->raw[0] = opcode;
	r->req.cmd->raw[2] = (uint8_t)i; /* CID */
	r->req.cmd->raw[4] = 1;          /* NSID */
	q->current_recv_depth++;
	q->qpair.queue_depth++;
	return r;
}

/* The state SPDK issue #3463 left behind; see the comment at the top. */
static void
corrupt_like_issue_3463(struct spdk_nvmf_rdma_qpair *io)
{
	struct spdk_nvmf_rdma_request *culprit, *c2h, *executing;

	io->max_read_depth = 2;
	/* A 32 KiB write: 8 RDMA READs, posted 2 at a time; the request stays at the head of the READ queue. */
	culprit = start_command(io, FIXTURE_CULPRIT, 0x01, SPDK_NVME_DATA_HOST_TO_CONTROLLER, 32768);
	culprit->num_wrs = 8;
	culprit->data.wr.opcode = IBV_WR_RDMA_READ;
	STAILQ_INSERT_TAIL(&io->pending_rdma_read_queue, culprit, state_link);
	/* A read returning data: 2 RDMA WRITEs chained to the response SEND, all still on the (now flushed) send queue. */
	c2h = start_command(io, FIXTURE_C2H, 0x02, SPDK_NVME_DATA_CONTROLLER_TO_HOST, 8192);
	c2h->state = RDMA_REQUEST_STATE_TRANSFERRING_CONTROLLER_TO_HOST;
	c2h->num_wrs = 2;
	c2h->num_outstanding_data_wr = 2;
	c2h->data.wr.opcode = IBV_WR_RDMA_WRITE;
	c2h->recv = NULL; /* re-posted before the response was sent */
	io->current_recv_depth--;
	io->current_send_depth += 3;
	executing = start_command(io, FIXTURE_EXECUTING, 0x02, SPDK_NVME_DATA_CONTROLLER_TO_HOST, 4096);
	executing->state = RDMA_REQUEST_STATE_EXECUTING;

	/* RDMA READ #3 of the write completed with IBV_WC_RETRY_EXC_ERR; the QP went to ERR, READ #4 was flushed. */
	io->rdma_qp->qp->state = IBV_QPS_ERR;
	io->ibv_in_error_state = true;
	io->qpair.state = SPDK_NVMF_QPAIR_DEACTIVATING;
	io->to_close = true;
	/* Pre-fix: when the last outstanding READ is reaped, only the state is set; the request stays linked. */
	culprit->num_remaining_data_wr = 4;
	culprit->num_outstanding_data_wr = 0;
	culprit->state = RDMA_REQUEST_STATE_COMPLETED;
	/* The drain processes the READ queue, finds it COMPLETED and frees it: the shared state_link is overwritten. */
	culprit->req.length = 0;
	STAILQ_INSERT_HEAD(&io->resources->free_queue, culprit, state_link);
	io->qpair.queue_depth--;
	culprit->state = RDMA_REQUEST_STATE_FREE;
}

/*
 * The moment before: READ #3 of the split write completed with IBV_WC_RETRY_EXC_ERR and was reaped; the QP is in ERR,
 * READ #4 and the read's WRITEs and SEND are flushed but not yet polled. The state is consistent: the fixed transport
 * drains it cleanly, the pre-fix one double-inserts the request when the flushed READ comes back.
 */
static void
before_drain_like_issue_3463(struct spdk_nvmf_rdma_qpair *io)
{
	struct spdk_nvmf_rdma_request *culprit, *c2h, *executing;

	io->max_read_depth = 2;
	culprit = start_command(io, FIXTURE_CULPRIT, 0x01, SPDK_NVME_DATA_HOST_TO_CONTROLLER, 32768);
	culprit->num_wrs = 8;
	culprit->data.wr.opcode = IBV_WR_RDMA_READ;
	culprit->state = RDMA_REQUEST_STATE_TRANSFERRING_HOST_TO_CONTROLLER;
	culprit->num_outstanding_data_wr = 1; /* READ #4, flushed */
	culprit->num_remaining_data_wr = 4;   /* READs #5..#8, never posted */
	STAILQ_INSERT_TAIL(&io->pending_rdma_read_queue, culprit, state_link);
	io->current_read_depth = 1;
	io->current_send_depth = 1;
	c2h = start_command(io, FIXTURE_C2H, 0x02, SPDK_NVME_DATA_CONTROLLER_TO_HOST, 8192);
	c2h->state = RDMA_REQUEST_STATE_TRANSFERRING_CONTROLLER_TO_HOST;
	c2h->num_wrs = 2;
	c2h->num_outstanding_data_wr = 2;
	c2h->data.wr.opcode = IBV_WR_RDMA_WRITE;
	c2h->recv = NULL;
	io->current_recv_depth--;
	io->current_send_depth += 3;
	executing = start_command(io, FIXTURE_EXECUTING, 0x02, SPDK_NVME_DATA_CONTROLLER_TO_HOST, 4096);
	executing->state = RDMA_REQUEST_STATE_EXECUTING;
	io->rdma_qp->qp->state = IBV_QPS_ERR;
	io->ibv_in_error_state = true;
	io->qpair.state = SPDK_NVMF_QPAIR_DEACTIVATING;
	io->to_close = true;
}

static void
on_term(int sig)
{
	(void)sig;
	_exit(0);
}

int
main(int argc, char **argv)
{
	const char *variant = argc > 1 ? argv[1] : "corrupted";
	struct spdk_nvmf_tgt *tgt = xcalloc(1, sizeof(*tgt));
	struct spdk_nvmf_rdma_transport *rt = xcalloc(1, sizeof(*rt));
	struct spdk_nvmf_rdma_poll_group *pg = xcalloc(1, sizeof(*pg));
	struct spdk_nvmf_rdma_poller *poller = xcalloc(1, sizeof(*poller));
	struct spdk_nvmf_rdma_qpair *admin, *io;

	signal(SIGTERM, on_term);
#ifdef PR_SET_PTRACER
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0); /* let gcore attach under Yama */
#endif
	strcpy(tgt->name, "nvmf_tgt");
	TAILQ_INIT(&tgt->transports);
	rt->transport.tgt = tgt;
	rt->transport.ops = &g_rdma_ops;
	rt->transport.opts.max_queue_depth = 128;
	rt->transport.opts.in_capsule_data_size = 4096;
	rt->transport.opts.max_io_size = 131072;
	rt->transport.opts.io_unit_size = 8192;
	rt->transport.opts.num_shared_buffers = 4095;
	TAILQ_INSERT_TAIL(&tgt->transports, &rt->transport, link);
	TAILQ_INSERT_TAIL(&g_nvmf_tgts, tgt, link);
	TAILQ_INIT(&rt->poll_groups);
	TAILQ_INSERT_TAIL(&rt->poll_groups, pg, link);
	pg->group.transport = &rt->transport;
	STAILQ_INIT(&pg->group.pending_buf_queue);
	TAILQ_INIT(&pg->pollers);
	TAILQ_INSERT_TAIL(&pg->pollers, poller, link);
	poller->group = pg;
	TAILQ_INIT(&poller->active_qpairs);

	admin = new_qpair(poller, 0, FIXTURE_ADMIN_DEPTH, 0x3a1);
	io = new_qpair(poller, 1, FIXTURE_IO_DEPTH, 0x3a2);
	/* The qpairs tree, ordered by qp_num: admin at the root, the I/O qpair its right child. */
	poller->qpairs.rbh_root = admin;
	admin->node.rbe_right = io;
	io->node.rbe_parent = admin;
	if (strcmp(variant, "before-drain") == 0) {
		before_drain_like_issue_3463(io);
	} else if (strcmp(variant, "corrupted") == 0) {
		corrupt_like_issue_3463(io);
	} else {
		fprintf(stderr, "usage: %s [corrupted|before-drain]\n", argv[0]);
		return 2;
	}
	g_fixture_state_type = RDMA_REQUEST_NUM_STATES;
	g_fixture_qpair_state_type = SPDK_NVMF_QPAIR_ERROR;
	g_fixture_xfer_type = SPDK_NVME_DATA_BIDIRECTIONAL;

	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	for (;;) {
		pause();
	}
	return 0;
}
