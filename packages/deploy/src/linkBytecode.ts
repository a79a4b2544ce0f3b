import type { Address, Hex } from "viem";

/** Where one external library's address goes in a contract's creation code (from the exported artifacts). */
export interface LinkReference {
  readonly library: string;
  readonly offsets: readonly number[];
}

/**
 * Writes deployed library addresses into creation bytecode at the offsets the compiler reported.
 *
 * @example const code = linkBytecode(modelRegistryBytecode, modelRegistryLinkReferences, { ModelTerms: terms });
 */
export function linkBytecode(
  bytecode: Hex,
  references: readonly LinkReference[],
  libraries: Readonly<Record<string, Address>>,
): Hex {
  let code = bytecode.slice(2);
  for (const { library, offsets } of references) {
    const address = libraries[library];
    if (!address) throw new Error(`linkBytecode: no address given for library ${library}`);
    const hex = address.slice(2).toLowerCase();
    for (const offset of offsets) code = code.slice(0, offset * 2) + hex + code.slice(offset * 2 + 40);
  }
  if (code.includes("__$")) throw new Error("linkBytecode: unlinked library placeholders remain");
  return `0x${code}`;
}
