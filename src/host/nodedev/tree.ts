/**
 * The device tree `nodedev-list --tree` prints: each root, then its children
 * indented under `|` rails with `+- ` before each name.
 *
 * ```text
 * computer
 *   |
 *   +- pci_0000_00_01_0
 *   |   |
 *   |   +- net_eth0_52_54_00_12_34_56
 *   |
 *   +- pci_0000_00_02_0
 * ```
 * @module
 */

/** A device as the tree needs it: its name and its parent's. */
export interface TreeNode {
  name: string;
  parent?: string;
}

/**
 * The tree text of `nodes` (in the order given; callers sort by name), every
 * line ended by a newline. A node whose parent is not in the list is a root.
 */
export function formatDeviceTree(nodes: readonly TreeNode[]): string {
  const names = new Set(nodes.map((n) => n.name));
  const children = new Map<string, TreeNode[]>();
  for (const n of nodes) {
    if (n.parent === undefined || !names.has(n.parent)) continue;
    const list = children.get(n.parent) ?? [];
    list.push(n);
    children.set(n.parent, list);
  }
  const out: string[] = [];
  const walk = (node: TreeNode, indent: string, root: boolean, last: boolean): void => {
    out.push(`${indent}${root ? "" : "+- "}${node.name}`);
    const inner = root ? indent : indent + (last ? " " : "|") + " ";
    const kids = children.get(node.name) ?? [];
    if (kids.length) out.push(`${inner}  |`);
    kids.forEach((k, i) => walk(k, inner + "  ", false, i === kids.length - 1));
    if (!kids.length && last) out.push(inner);
  };
  for (const n of nodes) {
    if (n.parent === undefined || !names.has(n.parent)) walk(n, "", true, true);
  }
  return out.map((l) => l + "\n").join("");
}
