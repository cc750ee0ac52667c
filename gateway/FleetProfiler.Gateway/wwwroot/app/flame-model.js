// The flamegraph's data model, built once per reply of /api/flame (format fleetprofiler-flame/1): typed arrays in the
// reply's pre-order, plus what every interaction needs without walking the tree again (depth, the end of each
// subtree, so a narrow frame skips its whole subtree in one step). No DOM here: the tests and the benchmark feed it too.

/** A model from the JSON reply of /api/flame. */
export function fromReply(reply) {
  const n = reply.nodes;
  const m = {
    n,
    kind: reply.kind,
    unit: reply.unit,
    diff: !!reply.diff,
    strings: reply.strings,
    name: Int32Array.from(reply.name),
    file: Int32Array.from(reply.file),
    line: Int32Array.from(reply.line),
    parent: Int32Array.from(reply.parent),
    offset: Float64Array.from(reply.offset),
    self: Float64Array.from(reply.self),
    total: Float64Array.from(reply.total),
    before: reply.before ? Float64Array.from(reply.before) : null,
    after: reply.after ? Float64Array.from(reply.after) : null,
    foldedNodes: reply.foldedNodes || 0,
    meta: reply,
  };
  return finish(m);
}

/** Depth, subtree ends and the deepest level of a model whose arrays are filled in pre-order. */
function finish(m) {
  const { n, parent } = m;
  const depth = new Int32Array(n);
  const end = new Int32Array(n);
  let maxDepth = 0;
  for (let i = 1; i < n; i++) {
    depth[i] = depth[parent[i]] + 1;
    if (depth[i] > maxDepth) maxDepth = depth[i];
  }
  for (let i = n - 1; i >= 0; i--) {
    if (end[i] < i + 1) end[i] = i + 1;
    const p = parent[i];
    if (p >= 0 && end[p] < end[i]) end[p] = end[i];
  }
  m.depth = depth;
  m.end = end;
  m.maxDepth = maxDepth;
  m.rootTotal = n > 0 ? m.total[0] : 0;
  return m;
}

export const nameOf = (m, i) => m.strings[m.name[i]];

export function fileOf(m, i) {
  if (m.file[i] < 0) return "";
  return m.strings[m.file[i]] + (m.line[i] > 0 ? ":" + m.line[i] : "");
}

/** The names from the root's child down to node i: a stable identity across reloads of the same view. */
export function pathOf(m, i) {
  const names = [];
  for (let k = i; k > 0; k = m.parent[k]) names.push(nameOf(m, k));
  return names.reverse();
}

/** The node at a path of names, or the deepest node found along it. */
export function findPath(m, names) {
  let at = 0;
  for (const want of names) {
    let found = -1;
    for (let j = at + 1; j < m.end[at]; j = m.end[j]) {
      if (nameOf(m, j) === want) { found = j; break; }
    }
    if (found < 0) break;
    at = found;
  }
  return at;
}

/** Children of node i, heaviest first (the reply's order). */
export function childrenOf(m, i) {
  const kids = [];
  for (let j = i + 1; j < m.end[i]; j = m.end[j]) kids.push(j);
  return kids;
}

/**
 * Frames whose name contains the query (case-insensitive). The share counts each stack once: a match inside a
 * matched frame adds nothing more, so recursion does not count twice.
 */
export function search(m, query) {
  const hits = new Uint8Array(m.n);
  if (!query) return { hits: null, count: 0, share: 0, names: [] };
  const q = query.toLowerCase();
  const matchName = new Uint8Array(m.strings.length);
  const names = [];
  for (let s = 0; s < m.strings.length; s++) {
    if (m.strings[s].toLowerCase().includes(q)) { matchName[s] = 1; names.push(m.strings[s]); }
  }
  let count = 0, covered = 0, insideUntil = -1;
  for (let i = 1; i < m.n; i++) {
    if (!matchName[m.name[i]]) continue;
    hits[i] = 1;
    count++;
    if (i >= insideUntil) { covered += m.total[i]; insideUntil = m.end[i]; }
  }
  return { hits, count, share: m.rootTotal > 0 ? covered / m.rootTotal : 0, names };
}

/** Every node of one function (by string id). */
export function nodesOf(m, nameId) {
  const nodes = [];
  for (let i = 1; i < m.n; i++) if (m.name[i] === nameId) nodes.push(i);
  return nodes;
}

/**
 * Functions ranked by self value: self sums over every node of the function, total counts each stack once (nodes
 * with the same function above them are inside an outer call already).
 */
export function topFunctions(m) {
  const self = new Float64Array(m.strings.length);
  const total = new Float64Array(m.strings.length);
  const seen = new Uint8Array(m.strings.length);
  const onPath = new Int32Array(m.strings.length);
  const path = [];
  for (let i = 1; i < m.n; i++) {
    while (path.length >= m.depth[i]) onPath[m.name[path.pop()]]--;
    const id = m.name[i];
    self[id] += m.self[i];
    if (onPath[id] === 0) total[id] += m.total[i];
    seen[id] = 1;
    onPath[id]++;
    path.push(i);
  }
  const rows = [];
  for (let s = 0; s < m.strings.length; s++) {
    if (seen[s] && m.strings[s] !== "[other]") rows.push({ nameId: s, name: m.strings[s], self: self[s], total: total[s] });
  }
  rows.sort((a, b) => b.self - a.self || b.total - a.total || (a.name < b.name ? -1 : 1));
  return rows;
}

/**
 * The sandwich of one function: its callees (every outermost call's subtree merged under it) and its callers
 * (every outermost call's stack, reversed, merged under it), as two models drawn like any flamegraph.
 */
export function sandwich(m, nameId) {
  const callees = new TreeBuilder(m.strings[nameId]);
  const callers = new TreeBuilder(m.strings[nameId]);
  let insideUntil = -1;
  for (let i = 1; i < m.n; i++) {
    if (m.name[i] !== nameId || i < insideUntil) continue;
    insideUntil = m.end[i];
    callees.addValue(0, m.total[i], 0);
    // Callees: node j's copy hangs under the copy of j's parent; i itself is the root.
    const copy = new Map([[i, 0]]);
    for (let j = i + 1; j < m.end[i]; j++) {
      const c = callees.child(copy.get(m.parent[j]), m.name[j]);
      callees.addValue(c, m.total[j], m.self[j]);
      copy.set(j, c);
    }
    // Callers: up from i's parent to the root's child, each one level further from the function.
    let at = 0;
    callers.addValue(0, m.total[i], 0);
    for (let k = m.parent[i]; k > 0; k = m.parent[k]) {
      at = callers.child(at, m.name[k]);
      callers.addValue(at, m.total[i], 0);
    }
  }
  callees.fixSelf();
  callers.fixSelf();
  return { callees: callees.toModel(m), callers: callers.toModel(m) };
}

/** A small mutable tree (parent, name id, total, self) turned into a pre-order model like a reply's. */
class TreeBuilder {
  constructor(rootName) {
    this.rootName = rootName;
    this.parent = [-1];
    this.name = [-1];
    this.total = [0];
    this.self = [0];
    this.kids = [new Map()];
  }

  child(p, nameId) {
    let c = this.kids[p].get(nameId);
    if (c === undefined) {
      c = this.parent.length;
      this.parent.push(p);
      this.name.push(nameId);
      this.total.push(0);
      this.self.push(0);
      this.kids.push(new Map());
      this.kids[p].set(nameId, c);
    }
    return c;
  }

  addValue(node, total, self) {
    this.total[node] += total;
    this.self[node] += self;
  }

  /** Self = total minus the children's totals (callers and the function's own root carry totals only). */
  fixSelf() {
    for (let i = 0; i < this.parent.length; i++) {
      let kids = 0;
      for (const c of this.kids[i].values()) kids += this.total[c];
      this.self[i] = Math.max(0, this.total[i] - kids);
    }
  }

  toModel(source) {
    const count = this.parent.length;
    const strings = source.strings.slice();
    const rootNameId = strings.push(this.rootName) - 1;
    const out = {
      n: count, kind: source.kind, unit: source.unit, diff: false, strings,
      name: new Int32Array(count), file: new Int32Array(count).fill(-1), line: new Int32Array(count),
      parent: new Int32Array(count), offset: new Float64Array(count), self: new Float64Array(count),
      total: new Float64Array(count), before: null, after: null, foldedNodes: 0, meta: {},
    };
    let k = 0;
    const stack = [[0, -1, 0]];
    while (stack.length > 0) {
      const [node, parentAt, offset] = stack.pop();
      const at = k++;
      out.name[at] = node === 0 ? rootNameId : this.name[node];
      out.parent[at] = parentAt;
      out.offset[at] = offset;
      out.total[at] = this.total[node];
      out.self[at] = this.self[node];
      const kids = [...this.kids[node].values()].sort((a, b) => this.total[b] - this.total[a]);
      let cursor = offset;
      const placed = kids.map((c) => { const p = [c, at, cursor]; cursor += this.total[c]; return p; });
      for (let j = placed.length - 1; j >= 0; j--) stack.push(placed[j]);
    }
    return finish(out);
  }
}

/** A value for people: samples as a count, bytes with a binary unit, diff shares as a percentage. */
export function formatValue(m, v) {
  if (m.diff) return (v / 1e7).toFixed(2) + " %";
  if (m.unit === "bytes") {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return (u === 0 ? v.toFixed(0) : v.toFixed(1)) + " " + units[u];
  }
  return Math.round(v).toLocaleString("en-US") + " " + (m.unit || "");
}

export const percent = (share) => (share * 100).toFixed(share < 0.001 && share > 0 ? 3 : 1) + " %";
