/** Small DOM builders: every value goes in as text (never HTML), so nothing the API returns can inject markup. */

type Child = Node | string | number | null | undefined | false;

/**
 * An element with attributes and children.
 *
 * @example el("a", { href: "evidence/0x12" }, "0x12…")
 */
export function el<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  attributes: Readonly<Record<string, string>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[Tag] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "number" ? String(child) : child);
  }
  return element;
}

/** A table with a caption, a header row and body rows. */
export function table(
  caption: string,
  headers: readonly string[],
  rows: readonly Child[][],
  className = "",
): HTMLTableElement {
  return el(
    "table",
    className ? { class: className } : {},
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, ...headers.map((header) => el("th", { scope: "col" }, header)))),
    el("tbody", {}, ...rows.map((row) => el("tr", {}, ...row.map((cell) => el("td", {}, cell))))),
  );
}

/** An id (hash, GUID, VAA id) in full, in monospace. */
export function code(id: string | undefined): Node | string {
  return id === undefined || id === "" ? "—" : el("code", {}, id);
}
