# rdma_snapshot.py: snapshot of an SPDK NVMe-oF RDMA target's transport state, for `harness import-core`.
#
#   gdb -batch -x tools/gdb/rdma_snapshot.py <binary> <core>
#
# Walks SPDK's structures by their type and field names, using the binary's debug information (never offsets):
#   g_nvmf_tgts -> struct spdk_nvmf_tgt.transports -> the "RDMA" struct spdk_nvmf_transport
#   -> struct spdk_nvmf_rdma_transport.poll_groups -> .pollers -> the .qpairs tree (struct spdk_nvmf_rdma_qpair)
#   -> .resources (reqs[], recvs[], free_queue, incoming_queue), the four pending queues, the depth counters,
#      qpair.state/qid/queue_depth and rdma_qp->qp->state (enum ibv_qp_state);
#   each request's state (named by the binary's own enum spdk_nvmf_rdma_request_state, so 2024 builds with 15 states
#   and current ones with 17 both read right), num_wrs, num_outstanding_data_wr, num_remaining_data_wr, its state_link,
#   recv, length, xfer, data WR opcode and command capsule.
# Every queue is walked from its head exactly as STAILQ_FOREACH would (bounded, with cycle detection), so a request
# linked into two queues shows up in both: the harness then names it.
#
# Environment:
#   RDMA_SNAPSHOT_OUT   where to write the JSON (default: rdma-snapshot.json); written atomically.
#   RDMA_SNAPSHOT_ROOT  a gdb expression for the struct spdk_nvmf_rdma_transport * to start from, when
#                       g_nvmf_tgts is not in the binary's symbols (e.g. "rtransport" in a selected frame).
# Exit status: 0 when written; gdb reports an error (non-zero status) when no RDMA transport is found.

import json
import os

import gdb

FORMAT = "spdk-nvmf-rdma-snapshot"
VERSION = 1
QUEUE_WALK_MAX = 1 << 16
TREE_NODES_MAX = 1 << 16
COMMAND_BYTES = 64
STATE_PREFIX = "RDMA_REQUEST_STATE_"
# SPDK's current enum spdk_nvmf_rdma_request_state, used only when the binary's debug info lacks the enum.
FALLBACK_STATES = [
    "FREE", "NEW", "NEED_DATA_WR", "NEED_BUFFER", "HAVE_BUFFER", "DATA_TRANSFER_TO_CONTROLLER_PENDING",
    "TRANSFERRING_HOST_TO_CONTROLLER", "READY_TO_EXECUTE", "EXECUTING", "EXECUTED", "DATA_TRANSFER_TO_HOST_PENDING",
    "READY_TO_COMPLETE_PENDING", "READY_TO_COMPLETE", "TRANSFERRING_CONTROLLER_TO_HOST", "COMPLETING", "COMPLETED",
]


class Snapshot:
    def __init__(self):
        self.notes = []
        self.errors = []
        self.request_states = self._enum_names("enum spdk_nvmf_rdma_request_state", STATE_PREFIX)
        if self.request_states is None:
            self.request_states = FALLBACK_STATES
            self.notes.append("enum spdk_nvmf_rdma_request_state not in the debug info: states named by SPDK's current enum")
        self.request_states = [s for s in self.request_states if s != "RDMA_REQUEST_NUM_STATES" and s != "NUM_STATES"]
        self.qpair_states = self._enum_names("enum spdk_nvmf_qpair_state", "")
        self.xfers = self._enum_names("enum spdk_nvme_data_transfer", "")
        self.request_type = gdb.lookup_type("struct spdk_nvmf_rdma_request")
        self.state_link_offset = self._offset("struct spdk_nvmf_rdma_request", "state_link.stqe_next")
        self.req_offset = self._offset("struct spdk_nvmf_rdma_request", "req")
        self.recv_link_offset = self._offset("struct spdk_nvmf_rdma_recv", "link.stqe_next")
        self.buf_link_offset = self._offset("struct spdk_nvmf_request", "buf_link.stqe_next")

    @staticmethod
    def _enum_names(type_name, prefix):
        try:
            t = gdb.lookup_type(type_name)
        except gdb.error:
            return None
        names = {}
        for f in t.fields():
            name = f.name[len(prefix):] if prefix and f.name.startswith(prefix) else f.name
            names[int(f.enumval)] = name
        return [names[k] for k in sorted(names)] if names else None

    @staticmethod
    def _offset(type_name, member):
        return int(gdb.parse_and_eval("(unsigned long)&((%s *)0)->%s" % (type_name, member)))

    def name_of(self, names, value, what):
        if names is not None and 0 <= value < len(names):
            return names[value]
        self.errors.append("%s value %d is not in the binary's enum" % (what, value))
        return str(value)


def addr(value):
    a = int(value)
    return None if a == 0 else "0x%x" % a


def has_field(value, name):
    return any(f.name == name for f in value.type.strip_typedefs().fields())


def opt(value, name, default=None):
    """A field that not every SPDK version has."""
    return value[name] if has_field(value, name) else default


def walk_stailq(snap, head, link_offset, what):
    """The element addresses of an STAILQ, in list order, as STAILQ_FOREACH sees them."""
    elements, seen = [], set()
    complete = True
    e = int(head["stqh_first"])
    inferior = gdb.selected_inferior()
    while e != 0:
        if e in seen:
            complete = False
            snap.errors.append("%s: the list returns to 0x%x (a cycle)" % (what, e))
            break
        if len(elements) >= QUEUE_WALK_MAX:
            complete = False
            snap.errors.append("%s: more than %d elements" % (what, QUEUE_WALK_MAX))
            break
        seen.add(e)
        elements.append(e)
        try:
            raw = inferior.read_memory(e + link_offset, gdb.lookup_type("unsigned long").sizeof)
        except gdb.MemoryError:
            complete = False
            snap.errors.append("%s: element 0x%x is not in the core" % (what, e))
            break
        e = int.from_bytes(bytes(raw), "little")
    last = int(head["stqh_last"])
    first_field = int(head["stqh_first"].address)
    tail = None if last == first_field else "0x%x" % (last - link_offset)
    return {"elements": ["0x%x" % x for x in elements], "complete": complete, "last": tail}


def walk_tailq(head, field):
    out, e, seen = [], head["tqh_first"], set()
    while int(e) != 0 and int(e) not in seen and len(out) < QUEUE_WALK_MAX:
        seen.add(int(e))
        out.append(e)
        e = e.dereference()[field]["tqe_next"]
    return out


def walk_tree(root):
    """In-order walk of an RB tree (SPDK keeps the colour in rbe_parent's low bits, left/right are plain)."""
    out, stack, node, seen = [], [], root, set()
    while (int(node) != 0 or stack) and len(out) < TREE_NODES_MAX:
        while int(node) != 0 and int(node) not in seen:
            seen.add(int(node))
            stack.append(node)
            node = node.dereference()["node"]["rbe_left"]
        if not stack:
            break
        node = stack.pop()
        out.append(node)
        node = node.dereference()["node"]["rbe_right"]
    return out


def command_hex(cmd_ptr):
    if int(cmd_ptr) == 0:
        return None
    try:
        return bytes(gdb.selected_inferior().read_memory(int(cmd_ptr), COMMAND_BYTES)).hex()
    except gdb.MemoryError:
        return None


def recv_index(snap, recv, base, size, depth, i):
    """Index of the request's recv in the resources' array (SPDK points it there), or None."""
    if recv == 0:
        return None
    index, rest = divmod(recv - base, size)
    if recv < base or rest != 0 or index >= depth:
        snap.errors.append("request %d: recv 0x%x is not an element of the resources' recvs array" % (i, recv))
        return None
    return index


def request(snap, reqs, i, recvs_base, recv_size, depth):
    r = (reqs + i).dereference()
    state = int(r["state"])
    recv = int(r["recv"])
    out = {
        "address": "0x%x" % int((reqs + i)),
        "index": i,
        "state": snap.name_of(snap.request_states, state, "request %d state" % i),
        "qpair": addr(r["req"]["qpair"]),
        "num_wrs": int(opt(r, "num_wrs", 0)),
        "num_outstanding_data_wr": int(r["num_outstanding_data_wr"]),
        "num_remaining_data_wr": int(opt(r, "num_remaining_data_wr", 0)),
        "state_link_next": addr(r["state_link"]["stqe_next"]),
        "recv": recv_index(snap, recv, recvs_base, recv_size, depth, i),
        "length": int(r["req"]["length"]),
        "xfer": snap.name_of(snap.xfers, int(r["req"]["xfer"]), "request %d xfer" % i),
        "data_opcode": str(r["data"]["wr"]["opcode"]),
    }
    if out["state"] != "FREE":
        out["command"] = command_hex(r["req"]["cmd"])
    return out


def resources(snap, res_ptr, depth, owner):
    res = res_ptr.dereference()
    reqs, recvs = res["reqs"], res["recvs"]
    recv_size = recvs.dereference().type.sizeof
    recvs_base = int(recvs)
    out = {
        "address": addr(res_ptr),
        "depth": depth,
        "free_queue": walk_stailq(snap, res["free_queue"], snap.state_link_offset, "free_queue of %s" % owner),
        "incoming_queue": walk_stailq(snap, res["incoming_queue"], snap.recv_link_offset, "incoming_queue of %s" % owner),
        "requests": [request(snap, reqs, i, recvs_base, recv_size, depth) for i in range(depth)],
        "recvs": [{"address": "0x%x" % int(recvs + i), "index": i, "qpair": addr((recvs + i).dereference()["qpair"])} for i in range(depth)],
    }
    return out


def qpair(snap, q_ptr, poller_has_srq):
    q = q_ptr.dereference()
    name = "qpair 0x%x" % int(q_ptr)
    ibv_state = None
    rdma_qp = q["rdma_qp"]
    if int(rdma_qp) != 0 and int(rdma_qp.dereference()["qp"]) != 0:
        ibv_state = str(rdma_qp.dereference()["qp"].dereference()["state"])
    out = {
        "address": "0x%x" % int(q_ptr),
        "qid": int(q["qpair"]["qid"]),
        "state": snap.name_of(snap.qpair_states, int(q["qpair"]["state"]), name + " state"),
        "queue_depth": int(q["qpair"]["queue_depth"]),
        "qp_num": int(q["qp_num"]),
        "ibv_state": ibv_state,
        "max_queue_depth": int(q["max_queue_depth"]),
        "max_read_depth": int(q["max_read_depth"]),
        "max_send_depth": int(q["max_send_depth"]),
        "current_recv_depth": int(q["current_recv_depth"]),
        "current_read_depth": int(q["current_read_depth"]),
        "current_send_depth": int(q["current_send_depth"]),
        "ibv_in_error_state": bool(q["ibv_in_error_state"]),
        "to_close": bool(opt(q, "to_close", False)),
        "last_wqe_reached": bool(opt(q, "last_wqe_reached", False)),
    }
    for queue in ("pending_iobuf_queue", "pending_rdma_read_queue", "pending_rdma_write_queue", "pending_rdma_send_queue"):
        if has_field(q, queue):
            out[queue] = walk_stailq(snap, q[queue], snap.state_link_offset, "%s of %s" % (queue, name))
    out["resources"] = None if poller_has_srq else resources(snap, q["resources"], out["max_queue_depth"], name)
    return out


def poller(snap, p_ptr):
    p = p_ptr.dereference()
    srq = int(opt(p, "srq", 0)) != 0
    out = {
        "address": "0x%x" % int(p_ptr),
        "need_destroy": bool(p["need_destroy"]),
        "srq": srq,
        "max_srq_depth": int(opt(p, "max_srq_depth", 0)),
    }
    out["resources"] = resources(snap, p["resources"], out["max_srq_depth"], "poller 0x%x" % int(p_ptr)) if srq else None
    out["qpairs"] = [qpair(snap, q, srq) for q in walk_tree(p["qpairs"]["rbh_root"])]
    return out


def poll_group(snap, g_ptr):
    g = g_ptr.dereference()
    return {
        "address": "0x%x" % int(g_ptr),
        "pending_buf_queue": to_rdma_requests(snap, walk_stailq(snap, g["group"]["pending_buf_queue"], snap.buf_link_offset,
                                                                "pending_buf_queue of poll group 0x%x" % int(g_ptr))),
        "pollers": [poller(snap, p) for p in walk_tailq(g["pollers"], "link")],
    }


def to_rdma_requests(snap, queue):
    """pending_buf_queue links struct spdk_nvmf_request: name the enclosing struct spdk_nvmf_rdma_request (container_of)."""
    queue["elements"] = ["0x%x" % (int(e, 16) - snap.req_offset) for e in queue["elements"]]
    if queue["last"] is not None:
        queue["last"] = "0x%x" % (int(queue["last"], 16) - snap.req_offset)
    return queue


def core_file():
    """The core file gdb has open (gdb 13 has no Python API for it; `info target` names it)."""
    text = gdb.execute("info target", to_string=True)
    marker = "Local core dump file:"
    if marker not in text:
        return None
    rest = text.split(marker, 1)[1].strip()
    return rest[1:rest.index("'")] if rest.startswith("`") and "'" in rest else None


def find_transport(snap):
    root = os.environ.get("RDMA_SNAPSHOT_ROOT")
    rtype = gdb.lookup_type("struct spdk_nvmf_rdma_transport").pointer()
    if root:
        return gdb.parse_and_eval(root).cast(rtype)
    try:
        tgts = gdb.parse_and_eval("g_nvmf_tgts")
    except gdb.error:
        raise gdb.GdbError("rdma_snapshot: g_nvmf_tgts is not in the symbols of this binary; set RDMA_SNAPSHOT_ROOT to a "
                           "struct spdk_nvmf_rdma_transport * expression")
    offset = Snapshot._offset("struct spdk_nvmf_rdma_transport", "transport")
    found = []
    for tgt in walk_tailq(tgts, "link"):
        for t in walk_tailq(tgt.dereference()["transports"], "link"):
            if t.dereference()["ops"].dereference()["name"].string() == "RDMA":
                found.append(gdb.Value(int(t) - offset).cast(rtype))
    if not found:
        raise gdb.GdbError("rdma_snapshot: no RDMA transport in g_nvmf_tgts (is this an nvmf target with an RDMA transport?)")
    if len(found) > 1:
        snap.notes.append("%d RDMA transports found; the first is snapshotted" % len(found))
    return found[0]


def main():
    snap = Snapshot()
    rt_ptr = find_transport(snap)
    rt = rt_ptr.dereference()
    opts = rt["transport"]["opts"]
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "source": {
            "extractor": "tools/gdb/rdma_snapshot.py",
            "binary": gdb.current_progspace().filename,
            "core": core_file(),
            "gdb": gdb.VERSION,
        },
        "request_states": snap.request_states,
        "transport": {
            "address": "0x%x" % int(rt_ptr),
            "name": rt["transport"]["ops"].dereference()["name"].string(),
            "max_queue_depth": int(opts["max_queue_depth"]),
            "in_capsule_data_size": int(opts["in_capsule_data_size"]),
            "max_io_size": int(opts["max_io_size"]),
            "io_unit_size": int(opts["io_unit_size"]),
            "num_shared_buffers": int(opts["num_shared_buffers"]),
        },
        "poll_groups": [poll_group(snap, g) for g in walk_tailq(rt["poll_groups"], "link")],
    }
    doc["notes"] = snap.notes
    doc["errors"] = snap.errors
    out = os.environ.get("RDMA_SNAPSHOT_OUT", "rdma-snapshot.json")
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, out)
    qpairs = sum(len(p["qpairs"]) for g in doc["poll_groups"] for p in g["pollers"])
    print("rdma_snapshot: %d poll group(s), %d qpair(s) -> %s%s" % (
        len(doc["poll_groups"]), qpairs, out, "" if not snap.errors else " (%d extraction errors)" % len(snap.errors)))


try:
    main()
except gdb.MemoryError as e:
    raise gdb.GdbError("rdma_snapshot: %s: the core does not hold memory the structures point at "
                       "(does the binary match the core? was the core truncated?)" % e)
