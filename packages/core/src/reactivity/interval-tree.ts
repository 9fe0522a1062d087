import { maxUpper } from "./key-span.js";

interface Node<T> {
  lower: string;
  upper: string | null;
  seq: number;
  value: T;
  priority: number;
  /** The largest `upper` in this subtree (`null` = +∞): whole subtrees ending before a query are skipped. */
  max: string | null;
  left: Node<T> | null;
  right: Node<T> | null;
}

/** What {@link IntervalTree.insert} returns, to remove the entry later. */
export interface IntervalHandle {
  readonly lower: string;
  readonly seq: number;
}

/**
 * Key ranges `[lower, upper)` (hex keys, `upper` `null` = to the end) with a value each, found by
 * overlap with a query range in O(log n + matches): an augmented treap ordered by `lower`, each
 * node knowing the largest `upper` below it. Empty ranges are not stored (nothing overlaps them).
 */
export class IntervalTree<T> {
  private root: Node<T> | null = null;
  private nextSeq = 0;
  private count = 0;
  get size(): number {
    return this.count;
  }

  /** Adds a range; `null` when it is empty (and so not stored). */
  insert(lower: string, upper: string | null, value: T): IntervalHandle | null {
    if (upper !== null && upper <= lower) return null;
    const node: Node<T> = { lower, upper, seq: this.nextSeq++, value, priority: Math.random(), max: upper, left: null, right: null };
    this.root = insertNode(this.root, node);
    this.count++;
    return { lower, seq: node.seq };
  }

  /** Removes the entry `insert` returned this handle for; false when it is not there. */
  remove(handle: IntervalHandle): boolean {
    const before = this.count;
    this.root = this.removeNode(this.root, handle);
    return this.count < before;
  }

  /**
   * Calls `visit` with the value of every range sharing a key with `[lower, upper)`; returns the
   * number of nodes examined (what precision tests bound).
   */
  search(lower: string, upper: string | null, visit: (value: T) => void): number {
    if (upper !== null && upper <= lower) return 0;
    let visited = 0;
    // explicit stack: no recursion depth to worry about, and no closure per node
    const stack: Node<T>[] = [];
    if (this.root !== null) stack.push(this.root);
    while (stack.length > 0) {
      const node = stack.pop()!;
      visited++;
      // every range below ends at or before `lower`
      if (node.max !== null && node.max <= lower) continue;
      if (node.left !== null) stack.push(node.left);
      // ranges at and right of this node start at or after node.lower
      if (upper !== null && node.lower >= upper) continue;
      if (node.upper === null || lower < node.upper) visit(node.value);
      if (node.right !== null) stack.push(node.right);
    }
    return visited;
  }

  /** Calls `visit` with every value; returns the number of nodes examined. */
  forEach(visit: (value: T) => void): number {
    let visited = 0;
    const stack: Node<T>[] = [];
    if (this.root !== null) stack.push(this.root);
    while (stack.length > 0) {
      const node = stack.pop()!;
      visited++;
      visit(node.value);
      if (node.left !== null) stack.push(node.left);
      if (node.right !== null) stack.push(node.right);
    }
    return visited;
  }

  private removeNode(node: Node<T> | null, handle: IntervalHandle): Node<T> | null {
    if (node === null) return null;
    const order = compareKeys(handle.lower, handle.seq, node);
    if (order === 0) {
      this.count--;
      return joinNodes(node.left, node.right);
    }
    if (order < 0) node.left = this.removeNode(node.left, handle);
    else node.right = this.removeNode(node.right, handle);
    update(node);
    return node;
  }
}

function compareKeys(lower: string, seq: number, node: Node<unknown>): number {
  if (lower !== node.lower) return lower < node.lower ? -1 : 1;
  return seq - node.seq;
}

function update(node: Node<unknown>): void {
  let max = node.upper;
  if (node.left !== null) max = maxUpper(max, node.left.max);
  if (node.right !== null) max = maxUpper(max, node.right.max);
  node.max = max;
}

function insertNode<T>(root: Node<T> | null, node: Node<T>): Node<T> {
  if (root === null) return node;
  if (node.priority > root.priority) {
    const [left, right] = split(root, node.lower, node.seq);
    node.left = left;
    node.right = right;
    update(node);
    return node;
  }
  if (compareKeys(node.lower, node.seq, root) < 0) root.left = insertNode(root.left, node);
  else root.right = insertNode(root.right, node);
  update(root);
  return root;
}

/** Splits a subtree into the nodes before (lower, seq) and the nodes after it. */
function split<T>(root: Node<T> | null, lower: string, seq: number): [Node<T> | null, Node<T> | null] {
  if (root === null) return [null, null];
  if (compareKeys(lower, seq, root) < 0) {
    const [left, right] = split(root.left, lower, seq);
    root.left = right;
    update(root);
    return [left, root];
  }
  const [left, right] = split(root.right, lower, seq);
  root.right = left;
  update(root);
  return [root, right];
}

function joinNodes<T>(left: Node<T> | null, right: Node<T> | null): Node<T> | null {
  if (left === null) return right;
  if (right === null) return left;
  if (left.priority > right.priority) {
    left.right = joinNodes(left.right, right);
    update(left);
    return left;
  }
  right.left = joinNodes(left, right.left);
  update(right);
  return right;
}
